"""Refunds: one row per refund asked of the provider, kept until it succeeds.

A refund is written before the provider is called and marked ``succeeded``
once the provider took it (a conditional UPDATE, so two workers retrying
the same row add its amount to the payment once). A row still ``pending``
is retried (``olympix reconcile-payments``, and the provider's own retries
of the notification that caused it) with the same idempotency key, so the
provider never refunds twice. Buyers see the succeeded ones on their order,
managers every one on the staff order page.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, UTCDateTime
from .orders import Order, Payment


class RefundStatus(StrEnum):
    PENDING = "pending"  # asked, the provider has not taken it yet: retried
    SUCCEEDED = "succeeded"


class RefundReason(StrEnum):
    """Why money goes back (what the buyer's e-mail and the staff page say)."""

    LATE = "late payment"  # paid after the seats were gone
    MISMATCH = "mismatch"  # paid another amount, currency or order than asked
    STAFF = "cancelled by staff"
    TICKET = "ticket cancelled"
    BUYER = "cancelled by the buyer"
    RESALE = "resold"  # the seller's ticket was bought at resale


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    # All that is left of the payment (the provider is asked without an amount).
    whole: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(40))  # a RefundReason
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # Indexed: the retry job reads the pending ones (few) among all the others.
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    provider_refund_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship()
    order: Mapped[Order] = relationship()
