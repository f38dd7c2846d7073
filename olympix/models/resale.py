"""Face-value resale: a holder lists a ticket, another buyer buys it through the usual payment.

open → held (a buyer's order holds it while they pay) → sold; open →
withdrawn (by the seller) or closed (its ticket was cancelled, scanned or
the deadline passed). Each move is a conditional UPDATE of ``state``, so
of twenty buyers at one listing exactly one holds it.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import User
from .catalogue import Event
from .meta import Base, UTCDateTime
from .tickets import Ticket


class ListingState(StrEnum):
    OPEN = "open"
    HELD = "held"  # a buyer's order is paying for it (``order_id``)
    SOLD = "sold"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # its ticket is no longer live, or the deadline passed


class ResaleListing(Base):
    __tablename__ = "resale_listings"
    __table_args__ = (CheckConstraint("price_cents > 0", name="price_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    price_cents: Mapped[int] = mapped_column(Integer)  # the face value the seller paid
    state: Mapped[str] = mapped_column(String(16), default=ListingState.OPEN)
    # The buyer's order holding or having bought it.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    event: Mapped[Event] = relationship()
    seller: Mapped[User] = relationship()
