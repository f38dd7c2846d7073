"""The waiting list of a sold-out session: people in line for seats that come back.

waiting → offered (seats reserved for them: a held order, ``order_id``,
until ``offer_until``) → used (they paid) or lapsed (the offer passed to the
next); waiting or offered → left (they left the line).
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import User
from .catalogue import Event
from .meta import Base, UTCDateTime


class WaitingState(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    USED = "used"
    LAPSED = "lapsed"
    LEFT = "left"


class WaitingEntry(Base):
    __tablename__ = "waiting_list"
    __table_args__ = (CheckConstraint("seats > 0", name="seats_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the order of arrival
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seats: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=WaitingState.WAITING)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()
