"""The "your tickets are ready" e-mail: whom it is due to, now.

An order is told once, when its tickets become visible (the event's own
delay, else ``olympix.tickets.visible_before``: ``tickets.visible_from``).
An order paid once they were already visible is not told again: its
confirmation said "your tickets are ready". Nor is one whose tickets have
started to come in (a late run would tell them what they know).
"""
from datetime import timedelta

from sqlalchemy import func, select, update

from ..models import Event, Order, OrderLine, OrderState, Ticket, TicketState
from .clock import now
from .tickets import visible_from


def _longest_delay(request):
    """Hours: the longest any event's tickets are visible before its start."""
    longest = request.dbsession.scalar(select(func.max(Event.tickets_visible_before)))
    return max(longest or 0, request.registry.settings["olympix.tickets.visible_before"])


def due(request):
    """Paid orders whose tickets became visible after their payment, not told yet, none scanned."""
    current = now(request)
    hours = _longest_delay(request)
    if hours <= 0:
        return []
    scanned = select(Ticket.id).where(Ticket.order_id == Order.id, Ticket.state == TicketState.SCANNED).exists()
    rows = request.dbsession.execute(
        select(Order, Event).join(OrderLine, OrderLine.order_id == Order.id)
        .join(Event, Event.id == OrderLine.event_id)
        .where(Order.state == OrderState.PAID, Order.notice_sent_at.is_(None), ~scanned,
               Event.starts_at <= current + timedelta(hours=hours), Event.starts_at > current)
        .order_by(Order.id, Event.starts_at)).all()
    orders, seen = [], set()
    for order, event in rows:
        if order.id in seen:
            continue
        seen.add(order.id)  # the order's first session decides
        opens = visible_from(request, event)
        if opens <= current and (order.paid_at is None or order.paid_at < opens):
            orders.append(order)
    return orders


def claim(request, order):
    """Mark the order told; False when another run got there first."""
    return bool(request.dbsession.execute(
        update(Order).where(Order.id == order.id, Order.notice_sent_at.is_(None))
        .values(notice_sent_at=now(request)).execution_options(synchronize_session=False)).rowcount)
