"""Tickets: minting, their code, delivery, deactivation.

Minting happens inside the transaction that marks the order paid (see
services/payments.py): one batch INSERT of the tickets, one of their
history rows. A ticket's code is never stored: it is computed from the
serial, the owner's ``user_key`` and the ticket's ``ticket_key`` (both
sealed at rest) under the current server key (security/ticket_code.py).
"""
import secrets
from datetime import timedelta

from pyramid.events import subscriber
from sqlalchemy import insert, select, update

from ..models import (
    Event,
    Order,
    OrderAttendee,
    Ticket,
    TicketHistory,
    TicketState,
    User,
)
from ..models.tickets import change_state
from ..security import atrest, ticket_code
from .accounts import AccountDeleted
from .clock import now

LIVE_STATES = (TicketState.PAID, TicketState.DELIVERED)


def new_serial():
    # 48 random bits: unguessable enough to not be a sequence, and a clash
    # (unique index) is a duplicate key pyramid_retry replays.
    return secrets.randbelow(ticket_code.MAX_SERIAL - 1) + 1


def mint(request, order, actor_id=None):
    """Create the tickets of a just-paid order (one per attendee seat)."""
    settings = request.registry.settings
    data_keys = settings["olympix.data_keys.parsed"]
    current = now(request)
    dbsession = request.dbsession
    attendees = dbsession.scalars(select(OrderAttendee).where(OrderAttendee.order_id == order.id)
                                  .order_by(OrderAttendee.position)).all()
    lines = {line.id: line for line in order.lines}
    buyer = dbsession.get(User, order.user_id)
    rows = [{
        "serial": new_serial(), "order_id": order.id, "order_line_id": a.order_line_id,
        "event_id": lines[a.order_line_id].event_id, "owner_id": order.user_id,
        "attendee_first_name": a.first_name or buyer.first_name,
        "attendee_last_name": a.last_name or buyer.last_name,
        "ticket_key": atrest.seal(data_keys, atrest.new_key(), "ticket_key"),
        "state": TicketState.PAID, "created_at": current, "state_changed_at": current,
    } for a in attendees]
    if not rows:
        return []
    # executemany: PyMySQL rewrites it into one multi-row INSERT.
    dbsession.execute(insert(Ticket), rows)
    ids = dbsession.scalars(select(Ticket.id).where(Ticket.order_id == order.id)
                            .order_by(Ticket.id)).all()
    dbsession.execute(insert(TicketHistory), [
        {"ticket_id": ticket_id, "from_state": None, "to_state": TicketState.PAID, "at": current,
         "actor_id": actor_id, "reason": "minted"} for ticket_id in ids])
    return ids


def code_for(request, ticket, owner=None):
    """The ticket's code (what the Code128 and the QR say)."""
    settings = request.registry.settings
    data_keys = settings["olympix.data_keys.parsed"]
    owner = owner or request.dbsession.get(User, ticket.owner_id)
    return ticket_code.encode(
        ticket.serial,
        atrest.unseal(data_keys, owner.user_key, "user_key"),
        atrest.unseal(data_keys, ticket.ticket_key, "ticket_key"),
        settings["olympix.ticket_keys.parsed"],
    )


def visible_from(request, event):
    """When the holder may see and print the ticket (``olympix.tickets.visible_before`` hours)."""
    return event.starts_at - timedelta(hours=request.registry.settings["olympix.tickets.visible_before"])


def is_visible(request, event):
    return now(request) >= visible_from(request, event)


def mark_delivered(request, ticket):
    """The holder opened the PDF or the m-ticket: paid → delivered (once)."""
    if ticket.state == TicketState.PAID and change_state(
            request.dbsession, ticket.id, TicketState.DELIVERED, at=now(request),
            allowed_from={TicketState.PAID}, actor_id=ticket.owner_id, reason="opened"):
        # change_state wrote with a bulk UPDATE: reload the row's state.
        request.dbsession.expire(ticket, ["state", "state_changed_at", "state_reason"])


def deactivate(request, ticket_id, reason, actor_id=None):
    """paid/delivered → deactivated; returns True if it moved."""
    return change_state(request.dbsession, ticket_id, TicketState.DEACTIVATED, at=now(request),
                        allowed_from=set(LIVE_STATES), actor_id=actor_id, reason=reason) is not None


EXPIRED_REASON = "event over"


def expire_ended(request, limit=500):
    """Move up to ``limit`` live tickets of events that are over to ``expired``.

    Live: paid or delivered, so never scanned nor deactivated. Each ticket
    moves through ``change_state`` (conditional UPDATE + history row), so a
    run racing a gate or a second run changes each ticket at most once.
    Returns how many moved; fewer than ``limit`` means none is left.
    """
    current = now(request)
    dbsession = request.dbsession
    rows = dbsession.execute(
        select(Ticket.id, Ticket.state).join(Event, Event.id == Ticket.event_id)
        .where(Ticket.state.in_(LIVE_STATES), Event.ends_at < current)
        .order_by(Ticket.id).limit(limit)).all()
    moved = 0
    for ticket_id, state in rows:
        # From the state read (one UPDATE); if it moved in between (opened:
        # paid → delivered), from either live state.
        for sources in ({state}, set(LIVE_STATES)):
            if change_state(dbsession, ticket_id, TicketState.EXPIRED, at=current, allowed_from=sources,
                            reason=EXPIRED_REASON) is not None:
                moved += 1
                break
    return moved


def tickets_of_order(request, order_id):
    return request.dbsession.scalars(select(Ticket).where(Ticket.order_id == order_id)
                                     .order_by(Ticket.id)).all()


def tickets_of_owner(request, user_id):
    return request.dbsession.execute(
        select(Ticket, Event).join(Event, Event.id == Ticket.event_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(Ticket.owner_id == user_id)
        .order_by(Event.starts_at, Ticket.id)).all()


@subscriber(AccountDeleted)
def deactivate_tickets_of_deleted_account(event):
    """A deleted account's unused tickets stop working at the gate.

    The names written on its tickets and orders are personal data too:
    they are erased, while the orders themselves stay for accounting.
    """
    request, user = event.request, event.user
    ids = request.dbsession.scalars(select(Ticket.id).where(
        Ticket.owner_id == user.id, Ticket.state.in_(LIVE_STATES))).all()
    for ticket_id in ids:
        deactivate(request, ticket_id, "account deleted", actor_id=user.id)
    request.dbsession.execute(
        update(Ticket).where(Ticket.owner_id == user.id)
        .values(attendee_first_name="", attendee_last_name="")
        .execution_options(synchronize_session=False))
    request.dbsession.execute(
        update(OrderAttendee).where(OrderAttendee.order_id.in_(select(Order.id).where(Order.user_id == user.id)))
        .values(first_name="", last_name="")
        .execution_options(synchronize_session=False))
