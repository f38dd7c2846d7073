"""What olympix counts itself for the managers' figures (no third-party tracker).

- ``visits``: one row per consenting visitor per day (random id from the
  ``olympix_visitor`` cookie, set only after "Accept").
- ``sign_ins``: one row per successful sign-in.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, UTCDateTime


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("day", "visitor", name="uq_visits_day_visitor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    visitor: Mapped[str] = mapped_column(String(32))


class SignIn(Base):
    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
