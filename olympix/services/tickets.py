"""Tickets: minting, their code, delivery, deactivation, transfer and re-issue.

Minting happens inside the transaction that marks the order paid (see
services/payments.py): one batch INSERT of the tickets, one of their
history rows. A ticket's code is never stored: it is computed from the
serial, the owner's ``user_key`` and the ticket's ``ticket_key`` (both
sealed at rest) under the current server key (security/ticket_code.py).

Keys never change, tickets do: a transfer (new holder) or a re-issue
(damaged ticket) mints a new ticket and deactivates the old one, so an old
copy is refused at the gate (``reissue``).
"""
import secrets
from datetime import timedelta

from pyramid.events import subscriber
from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload

from ..events import AccountDeleted
from ..i18n import _
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
from . import audit
from .clock import now
from .refusals import Refused

LIVE_STATES = (TicketState.PAID, TicketState.DELIVERED)


def new_serial():
    # 48 random bits: unguessable enough to not be a sequence, and a clash
    # (unique index) is a duplicate key pyramid_retry replays.
    return secrets.randbelow(ticket_code.MAX_SERIAL - 1) + 1


def _ticket_row(request, *, order_id, order_line_id, event_id, owner_id, first_name, last_name, at,
                replaces_id=None):
    """The columns of one new ticket: a fresh serial and a fresh sealed ``ticket_key``.

    The one place a ticket is made: ``mint`` (a paid order), ``reissue``
    (a transfer or a damaged ticket) and ``services/resale`` (a ticket
    bought at resale) all build their rows here.
    """
    data_keys = request.registry.settings["olympix.data_keys.parsed"]
    return {
        "serial": new_serial(), "order_id": order_id, "order_line_id": order_line_id,
        "event_id": event_id, "owner_id": owner_id,
        "attendee_first_name": first_name, "attendee_last_name": last_name,
        "ticket_key": atrest.seal(data_keys, atrest.new_key(), "ticket_key"),
        "state": TicketState.PAID, "created_at": at, "state_changed_at": at, "replaces_id": replaces_id,
    }


ticket_row = _ticket_row  # services/resale.py mints the buyer's ticket with it


def _minted_history(ticket_id, at, actor_id, reason="minted"):
    return {"ticket_id": ticket_id, "from_state": None, "to_state": TicketState.PAID, "at": at,
            "actor_id": actor_id, "reason": reason}


def mint(request, order, actor_id=None):
    """Create the tickets of a just-paid order (one per attendee seat)."""
    current = now(request)
    dbsession = request.dbsession
    attendees = dbsession.scalars(select(OrderAttendee).where(OrderAttendee.order_id == order.id)
                                  .order_by(OrderAttendee.position)).all()
    lines = {line.id: line for line in order.lines}
    buyer = order.buyer
    rows = [_ticket_row(
        request, order_id=order.id, order_line_id=a.order_line_id,
        event_id=lines[a.order_line_id].event_id, owner_id=order.user_id,
        first_name=a.first_name or buyer.first_name, last_name=a.last_name or buyer.last_name, at=current,
    ) for a in attendees]
    if not rows:
        return []
    # executemany: PyMySQL rewrites it into one multi-row INSERT.
    dbsession.execute(insert(Ticket), rows)
    ids = dbsession.scalars(select(Ticket.id).where(Ticket.order_id == order.id)
                            .order_by(Ticket.id)).all()
    dbsession.execute(insert(TicketHistory), [_minted_history(ticket_id, current, actor_id) for ticket_id in ids])
    return ids


class ReissueRefused(Refused):
    """The ticket cannot be replaced (no longer live, or its event started); ``message`` says why."""


NOT_LIVE = _("This ticket can no longer be changed: it has been used, cancelled or replaced.")
EVENT_STARTED = _("This ticket can no longer be changed: the event has started.")
EVENT_OVER = _("This ticket can no longer be changed: the event is over.")
PHONE_ONLY = _("This session admits the phone ticket only: show this page at the gate (its code changes every "
               "30 seconds; a printout or a screenshot is refused).")


def transfer_open(request, event):
    """The holder may put a ticket in another name until the event starts."""
    return now(request) < event.starts_at


def reissue(request, ticket, *, first_name=None, last_name=None, actor_id, reason):
    """Replace ``ticket`` by a new one: new serial, new ``ticket_key``, so a new code.

    With names it is a transfer (the holder changes), without a re-issue
    (same names, e.g. a damaged ticket). In the request's transaction: the
    old ticket goes paid/delivered → deactivated through ``change_state``
    (one conditional UPDATE: if a gate scanned it or staff cancelled it in
    the meantime nothing moves and ReissueRefused is raised, so a ticket is
    never both used and replaced), then one ticket is minted for the same
    order, line, event and owner, ``replaces_id`` pointing at the old one.
    Returns the new Ticket.
    """
    dbsession = request.dbsession
    current = now(request)
    if ticket.event.ends_at <= current:
        raise ReissueRefused(EVENT_OVER)
    transfer = first_name is not None or last_name is not None
    old_names = (ticket.attendee_first_name, ticket.attendee_last_name)
    if change_state(dbsession, ticket.id, TicketState.DEACTIVATED, at=current, allowed_from=set(LIVE_STATES),
                    actor_id=actor_id, reason=reason) is None:
        raise ReissueRefused(NOT_LIVE)
    # change_state wrote with a bulk UPDATE: reload the row's state.
    dbsession.expire(ticket, ["state", "state_changed_at", "state_reason"])
    row = _ticket_row(
        request, order_id=ticket.order_id, order_line_id=ticket.order_line_id, event_id=ticket.event_id,
        owner_id=ticket.owner_id, first_name=old_names[0] if first_name is None else first_name,
        last_name=old_names[1] if last_name is None else last_name, at=current, replaces_id=ticket.id)
    new_id = dbsession.execute(insert(Ticket).values(row)).inserted_primary_key[0]
    dbsession.execute(insert(TicketHistory).values(_minted_history(new_id, current, actor_id, reason)))
    new = dbsession.get(Ticket, new_id)
    details = {"replaces": ticket.serial, "serial": new.serial, "reason": reason}
    if transfer:
        details["from_name"] = " ".join(old_names).strip()
        details["to_name"] = new.attendee_name
    audit.record(request, "ticket.transfer" if transfer else "ticket.reissue", "ticket", new.serial,
                 actor=dbsession.get(User, actor_id) if actor_id else None, **details)
    return new


def code_for(request, ticket, owner=None):
    """The ticket's code (what the Code128 and the QR say)."""
    settings = request.registry.settings
    data_keys = settings["olympix.data_keys.parsed"]
    owner = owner or ticket.owner
    return ticket_code.encode(
        ticket.serial,
        atrest.unseal(data_keys, owner.user_key, "user_key"),
        atrest.unseal(data_keys, ticket.ticket_key, "ticket_key"),
        settings["olympix.ticket_keys.parsed"],
    )


#: How far ahead the phone ticket carries its rotating codes (it works offline once opened).
ROTATING_HORIZON = timedelta(hours=12)


def rotating_codes(request, ticket):
    """The phone's rotating codes, from the window before now to the event's end (12 h at most).

    ``{"start": first window, "step": seconds, "now": server time in ms, "codes": [...]}``:
    the page picks the code of the current window itself (``static/js/mticket.js``),
    offline too; the server key and the ``ticket_key`` never leave the server.
    """
    settings = request.registry.settings
    current = now(request)
    first = ticket_code.window_of(current) - ticket_code.DRIFT_WINDOWS
    last = ticket_code.window_of(min(ticket.event.ends_at, current + ROTATING_HORIZON))
    key = atrest.unseal(settings["olympix.data_keys.parsed"], ticket.ticket_key, "ticket_key")
    keyring = settings["olympix.ticket_keys.parsed"]
    return {"start": first, "step": ticket_code.WINDOW_SECONDS, "now": int(current.timestamp() * 1000),
            "codes": [ticket_code.encode_rotating(ticket.serial, key, keyring, window)
                      for window in range(first, max(first, last) + 1)]}


def current_rotating_code(codes):
    """The code of the current window in a ``rotating_codes`` answer (what the page shows first)."""
    return codes["codes"][min(ticket_code.DRIFT_WINDOWS, len(codes["codes"]) - 1)]


def visible_from(request, event):
    """When the holder may see the ticket: the event's own delay, else ``olympix.tickets.visible_before`` hours."""
    hours = event.tickets_visible_before
    if hours is None:
        hours = request.registry.settings["olympix.tickets.visible_before"]
    return event.starts_at - timedelta(hours=hours)


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


def replacement_of(request, ticket):
    """The ticket that replaced ``ticket`` (a transfer or a re-issue), or None."""
    return request.dbsession.scalar(select(Ticket).where(Ticket.replaces_id == ticket.id))


def tickets_of_order(request, order_id):
    return request.dbsession.scalars(select(Ticket).where(Ticket.order_id == order_id)
                                     .order_by(Ticket.id)).all()


def ticket_of_order(request, order, ticket_id):
    """The ticket ``ticket_id`` (as posted by a form) if it belongs to ``order``, else None."""
    if not (isinstance(ticket_id, str) and ticket_id.isdigit() and len(ticket_id) < 12):
        return None
    ticket = request.dbsession.get(Ticket, int(ticket_id))
    return ticket if ticket is not None and ticket.order_id == order.id else None


def tickets_of_owner(request, user_id):
    """The person's tickets, soonest event first (``ticket.event`` and its venue loaded)."""
    return request.dbsession.scalars(
        select(Ticket).join(Event, Event.id == Ticket.event_id)
        .where(Ticket.owner_id == user_id)
        .options(selectinload(Ticket.event).selectinload(Event.venue))
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
