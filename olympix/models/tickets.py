"""Tickets, their states and the history of every state change.

paid → delivered → scanned; paid/delivered → deactivated (cancelled,
refunded, revoked) or expired (event over, never scanned). A change is one
conditional UPDATE (``change_state``), so two gates scanning the same
ticket at the same moment admit it once; each change adds a history row,
written by the database's trigger ``tickets_state_history`` (alembic 0011)
from the UPDATE itself: the gate's hot path sends one statement, not two.
"""
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, String, event, inspect, update
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .accounts import ImmutableKeyError
from .meta import Base, UTCDateTime, sealed_key_type
from .sealed import SealedText

if TYPE_CHECKING:  # only for the annotations of the relationships
    from .accounts import User
    from .catalogue import Event
    from .orders import Order, OrderLine


class TicketState(StrEnum):
    PAID = "paid"
    DELIVERED = "delivered"
    SCANNED = "scanned"
    DEACTIVATED = "deactivated"
    EXPIRED = "expired"


# Which states each state may move to.
TRANSITIONS = {
    TicketState.PAID: {TicketState.DELIVERED, TicketState.SCANNED, TicketState.DEACTIVATED, TicketState.EXPIRED},
    TicketState.DELIVERED: {TicketState.SCANNED, TicketState.DEACTIVATED, TicketState.EXPIRED},
    TicketState.SCANNED: set(),
    TicketState.DEACTIVATED: set(),
    TicketState.EXPIRED: set(),
}


def sources_of(target):
    """The states from which ``target`` may be reached."""
    return {state for state, targets in TRANSITIONS.items() if target in targets}


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(BigInteger, unique=True)  # random, < 2**48
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The holder's name, sealed at rest (models/sealed.py): never searched in SQL.
    attendee_first_name: Mapped[str] = mapped_column(SealedText("tickets.attendee_first_name", 100))
    attendee_last_name: Mapped[str] = mapped_column(SealedText("tickets.attendee_last_name", 100))
    # 32 random bytes sealed with AES-GCM (security/atrest.py).
    ticket_key: Mapped[bytes] = mapped_column(sealed_key_type())
    state: Mapped[str] = mapped_column(String(16), default=TicketState.PAID, index=True)
    state_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # Who made the last state change: what the history trigger copies into
    # ticket_history.actor_id (a users.id; the history row holds the key).
    state_actor_id: Mapped[int | None] = mapped_column()

    history: Mapped[list["TicketHistory"]] = relationship(
        back_populates="ticket", order_by="TicketHistory.id", cascade="all, delete-orphan")
    event: Mapped["Event"] = relationship()
    owner: Mapped["User"] = relationship(foreign_keys=[owner_id])
    order: Mapped["Order"] = relationship()
    order_line: Mapped["OrderLine | None"] = relationship()

    @validates("ticket_key")
    def _ticket_key_is_set_once(self, key, value):
        state = inspect(self)
        if (state.persistent or state.detached) and self.__dict__.get("ticket_key") not in (None, value):
            raise ImmutableKeyError("ticket_key never changes")
        return value

    @property
    def attendee_name(self):
        return f"{self.attendee_first_name} {self.attendee_last_name}".strip()


@event.listens_for(Ticket, "before_update")
def _refuse_ticket_key_update(mapper, connection, target):
    if inspect(target).attrs.ticket_key.history.has_changes():
        raise ImmutableKeyError("ticket_key never changes")


class TicketHistory(Base):
    __tablename__ = "ticket_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(200))

    ticket: Mapped[Ticket] = relationship(back_populates="history")
    actor: Mapped["User | None"] = relationship()


def change_state(dbsession, ticket_id, to_state, *, at, allowed_from=None, actor_id=None, reason=None):
    """Move a ticket to ``to_state`` if it is in one of ``allowed_from``.

    One conditional UPDATE: of concurrent callers, exactly one sees
    rowcount 1 and wins; the others get False and change nothing. The
    history row is written by the database's trigger for the winner only,
    in the same transaction (``state_actor_id`` tells it who).
    Returns the state it came from, or None when it did not move.
    """
    to_state = TicketState(to_state)
    sources = sorted(allowed_from if allowed_from is not None else sources_of(to_state))
    for source in sources:
        if to_state not in TRANSITIONS[TicketState(source)]:
            raise ValueError(f"a ticket cannot go from {source} to {to_state}")
    for source in sources:
        moved = dbsession.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.state == source)
            .values(state=to_state, state_changed_at=at, state_reason=reason, state_actor_id=actor_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            return source
    return None
