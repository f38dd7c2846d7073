"""Orders, their lines and payments.

An order holds seats from the moment it is created (``held_until``); paying
it mints its tickets in the same transaction. Card data never comes here:
only the provider's references, the brand and the last four digits.
"""
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, UTCDateTime
from .sealed import SealedText

if TYPE_CHECKING:  # only for the annotations of the relationships
    from .accounts import User
    from .catalogue import Event, Offer


class OrderState(StrEnum):
    HELD = "held"  # seats held, waiting for payment
    PAID = "paid"
    EXPIRED = "expired"  # hold ran out, seats given back
    CANCELLED = "cancelled"  # cancelled by staff (refunded if it was paid)


class PaymentStatus(StrEnum):
    """A checkout session's status, as the provider reports it (plus ``refunded``)."""

    OPEN = "open"
    PAID = "paid"
    FAILED = "failed"
    CANCELED = "canceled"  # the provider's spelling
    EXPIRED = "expired"
    REFUNDED = "refunded"  # paid, then refunded in full


#: Statuses from which a provider's "paid" may still complete the order.
UNPAID_STATUSES = (PaymentStatus.OPEN, PaymentStatus.FAILED, PaymentStatus.CANCELED,
                   PaymentStatus.EXPIRED)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint("total_cents >= 0", name="total_not_negative"),
                      Index("ix_orders_client_address_created_at", "client_address", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # No index on state, on purpose: paying an order UPDATEs its state, and on
    # InnoDB changing an indexed column gap-locks that index, which blocked
    # concurrent holds INSERTing new 'held' orders while the payment waited
    # for their event row (FK check of the new tickets): a deadlock on every
    # busy sale. Sweeps find held orders through ix_orders_held_until.
    state: Mapped[str] = mapped_column(String(16), default=OrderState.HELD)
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    held_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the "your tickets are available" e-mail went out (set once, by a
    # conditional UPDATE, so the periodic command never sends it twice).
    notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The buyer's address (through the trusted proxies) when the seats were
    # held: holds per address are limited (issue 15, bots behind many accounts).
    client_address: Mapped[str | None] = mapped_column(String(45))

    buyer: Mapped["User"] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                    order_by="OrderLine.id")
    payments: Mapped[list["Payment"]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                     order_by="Payment.id")
    attendees: Mapped[list["OrderAttendee"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderAttendee.position")

    @property
    def seats(self):
        return sum(line.seats for line in self.lines)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # how many of the offer
    seats: Mapped[int] = mapped_column(Integer)  # quantity × the offer's seats
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    # A line bought at resale: its seat is another holder's ticket (no seat
    # of events.seats_left is taken or given back for it).
    resale_listing_id: Mapped[int | None] = mapped_column(ForeignKey("resale_listings.id", use_alter=True))

    order: Mapped[Order] = relationship(back_populates="lines")
    event: Mapped["Event"] = relationship()
    offer: Mapped["Offer"] = relationship()

    @property
    def seats_per_unit(self):
        return max(1, self.seats // self.quantity)


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    checkout_id: Mapped[str] = mapped_column(String(100), unique=True)  # provider's session id
    provider_payment_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # a PaymentStatus
    amount_cents: Mapped[int] = mapped_column(Integer)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    brand: Mapped[str | None] = mapped_column(String(16))
    last4: Mapped[str | None] = mapped_column(String(4))
    failure_reason: Mapped[str | None] = mapped_column(String(100))
    # The provider's hosted page, so a second click on "Pay" reuses the open session.
    checkout_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="payments")


class OrderAttendee(Base):
    """Who sits in each seat of an order; its tickets are minted with these names."""

    __tablename__ = "order_attendees"
    __table_args__ = (UniqueConstraint("order_id", "position", name="uq_order_attendees_order_id_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 0-based seat number within the order
    # Sealed at rest (models/sealed.py): never searched in SQL.
    first_name: Mapped[str] = mapped_column(SealedText("order_attendees.first_name", 100), default="")
    last_name: Mapped[str] = mapped_column(SealedText("order_attendees.last_name", 100), default="")

    order: Mapped[Order] = relationship(back_populates="attendees")
