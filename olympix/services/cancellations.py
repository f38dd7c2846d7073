"""Staff cancel an order, or one ticket of it: tickets off, seats back, money back.

A buyer may cancel their own paid order too, when every event of it allows
it (``Event.self_cancel``) and until ``olympix.booking.self_cancel_before``
hours before the first one starts (``self_cancel_until``), with no ticket
used yet: the same cancellation, refunded in full.

Each cancellation runs inside a savepoint: when the provider does not
answer the refund, everything it wrote (states, seats, audit entries) is
rolled back and the outcome says so, so nothing is ever half cancelled.
The refund's idempotency key makes a second attempt safe even if the
provider did refund before the connection dropped.
"""
import logging
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update

from ..models import Order, OrderState, PaymentStatus, RefundReason, Ticket
from . import audit, booking, refunds, tickets, waiting_list
from .clock import now
from .payment_gateway import PaymentProviderError

log = logging.getLogger(__name__)

STAFF_REASON = "cancelled by staff"
BUYER_REASON = "cancelled by the buyer"


class Cancelled(StrEnum):
    DONE = "done"
    NOT_CANCELLABLE = "not cancellable"  # already cancelled, expired, used…
    UNREACHABLE = "unreachable"  # the provider did not refund: nothing changed


def _in_savepoint(request, cancel, what):
    try:
        with request.dbsession.begin_nested():
            done = cancel()
    except PaymentProviderError:
        log.warning("refund of %s failed; nothing cancelled", what, exc_info=True)
        return Cancelled.UNREACHABLE
    return Cancelled.DONE if done else Cancelled.NOT_CANCELLABLE


def cancel_order(request, order, actor, reason=STAFF_REASON, refund_reason=RefundReason.STAFF):
    """Refund what was paid, deactivate the tickets, give the seats back (paid or held orders)."""
    outcome = _in_savepoint(request, lambda: _cancel_order(request, order, actor, reason, refund_reason),
                            f"order {order.reference}")
    request.dbsession.expire(order)
    return outcome


def self_cancel_until(request, order, order_tickets=None):
    """Until when the buyer may cancel ``order`` themselves, or None when they may not (now or ever).

    ``order_tickets``: the order's tickets, when the caller has read them already."""
    if order.state != OrderState.PAID or not order.lines:
        return None
    events = [line.event for line in order.lines]
    if not all(event.self_cancel for event in events):
        return None
    until = min(e.starts_at for e in events) - timedelta(
        hours=request.registry.settings["olympix.booking.self_cancel_before"])
    if now(request) >= until:
        return None
    if order_tickets is None:
        order_tickets = tickets.tickets_of_order(request, order.id)
    if any(t.state not in tickets.LIVE_STATES for t in order_tickets):
        return None  # a ticket used, cancelled or replaced: staff decide
    return until


def cancel_by_buyer(request, order, buyer):
    """The buyer cancels their own order (``self_cancel_until``): refunded in full."""
    if order.user_id != buyer.id or self_cancel_until(request, order) is None:
        return Cancelled.NOT_CANCELLABLE
    return cancel_order(request, order, buyer, BUYER_REASON, RefundReason.BUYER)


def _cancel_order(request, order, actor, reason, refund_reason):
    dbsession = request.dbsession
    was = order.state
    moved = dbsession.execute(
        update(Order).where(Order.id == order.id, Order.state.in_((OrderState.PAID, OrderState.HELD)))
        .values(state=OrderState.CANCELLED, cancelled_at=now(request))
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        return False
    seats_back = {}
    if was == OrderState.HELD:
        for line in order.lines:
            if line.resale_listing_id is None:  # a resale line's seat is the seller's ticket
                seats_back[line.event_id] = seats_back.get(line.event_id, 0) + line.seats
        booking.release_listings(dbsession, order.id)
    else:
        for ticket in tickets.tickets_of_order(request, order.id):
            if tickets.deactivate(request, ticket.id, reason, actor_id=actor.id):
                seats_back[ticket.event_id] = seats_back.get(ticket.event_id, 0) + 1
        for payment in order.payments:
            if payment.status == PaymentStatus.PAID and payment.amount_cents > payment.refunded_cents:
                refunds.refund_now(request, payment, reason=refund_reason)
    for event_id, seats in seats_back.items():
        booking.give_back_seats(dbsession, event_id, seats)
        waiting_list.offer_freed_seats(request, event_id)
    audit.record(request, "order.cancel", "order", order.reference, actor=actor, refunded=True, reason=reason)
    return True


def cancel_ticket(request, ticket, actor, reason=STAFF_REASON):
    """Deactivate one ticket, give its seat back and refund its share of the line."""
    outcome = _in_savepoint(request, lambda: _cancel_ticket(request, ticket, actor, reason),
                            f"ticket {ticket.serial}")
    request.dbsession.expire(ticket)
    return outcome


def _cancel_ticket(request, ticket, actor, reason):
    dbsession = request.dbsession
    if not tickets.deactivate(request, ticket.id, reason, actor_id=actor.id):
        return False
    booking.give_back_seats(dbsession, ticket.event_id, 1)
    waiting_list.offer_freed_seats(request, ticket.event_id)
    line, order = ticket.order_line, ticket.order
    payment = next((p for p in order.payments if p.status == PaymentStatus.PAID), None)
    if line is not None and payment is not None:
        share = min(line.unit_price_cents // line.seats_per_unit, payment.amount_cents - payment.refunded_cents)
        if share > 0:
            refunds.refund_now(request, payment, reason=RefundReason.TICKET, amount_cents=share,
                               key_suffix=f"ticket-{ticket.id}")
    live = dbsession.scalar(select(Ticket.id).where(Ticket.order_id == ticket.order_id,
                                                    Ticket.state.in_(tickets.LIVE_STATES)).limit(1))
    if live is None:  # last ticket gone: the order is cancelled too
        dbsession.execute(update(Order).where(Order.id == ticket.order_id, Order.state == OrderState.PAID)
                          .values(state=OrderState.CANCELLED, cancelled_at=now(request))
                          .execution_options(synchronize_session=False))
    audit.record(request, "ticket.cancel", "ticket", ticket.serial, actor=actor, order=order.reference)
    return True
