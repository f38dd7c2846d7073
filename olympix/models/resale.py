"""Face-value resale: a holder lists a ticket, another buyer buys it through the usual payment.

open → held (a buyer's order holds it while they pay) → sold; open →
withdrawn (by the seller) or closed (its ticket was cancelled, scanned or
the deadline passed). Each move is a conditional UPDATE of ``state``, so
of twenty buyers at one listing exactly one holds it.

A listing sells one ticket, or a whole Duo/Family pack as one (its still
valid tickets together, at the pack's face value): ``resale_listing_tickets``
names every ticket of a listing, ``seats`` says how many (alembic 0016).
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, text
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
    # Its first ticket (a single ticket's listing: its only one); all of them in ``tickets``.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    price_cents: Mapped[int] = mapped_column(Integer)  # the face value the seller paid
    seats: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))  # how many tickets
    state: Mapped[str] = mapped_column(String(16), default=ListingState.OPEN)
    # The buyer's order holding or having bought it.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    event: Mapped[Event] = relationship()
    seller: Mapped[User] = relationship()
    tickets: Mapped[list[Ticket]] = relationship(secondary="resale_listing_tickets", order_by=Ticket.id,
                                                 viewonly=True)


class ResaleListingTicket(Base):
    """One ticket of a listing: a single ticket's listing has one row, a pack's one per seat."""

    __tablename__ = "resale_listing_tickets"

    listing_id: Mapped[int] = mapped_column(ForeignKey("resale_listings.id", ondelete="CASCADE"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, index=True)
