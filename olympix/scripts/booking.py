"""``olympix sweep-holds INI`` and ``olympix send-ticket-notices INI``.

Both are meant for cron (every minute is fine) and are idempotent: each
order moves by a conditional UPDATE, so two overlapping runs, or a run
racing a buyer, do each thing once.
"""
from datetime import timedelta

from sqlalchemy import select, update

from ..models import Event, Order, OrderLine, OrderState
from ..services import booking, payments
from ..services.email import send_email
from .common import app_request


def sweep_holds(request):
    """Ask the provider about open sessions of lapsed holds, then expire the rest: ``(completed, released)``."""
    return payments.sweep_lapsed_holds(request)


def send_ticket_notices(request):
    """E-mail each paid order once when its tickets become visible.

    With ``olympix.tickets.visible_before = 0`` tickets are visible from the
    payment on, and the order confirmation already says so: nothing to send.
    """
    current = booking.now(request)
    hours = request.registry.settings["olympix.tickets.visible_before"]
    if hours <= 0:
        return 0
    due = request.dbsession.scalars(
        select(Order).join(OrderLine, OrderLine.order_id == Order.id)
        .join(Event, Event.id == OrderLine.event_id)
        .where(Order.state == OrderState.PAID, Order.notice_sent_at.is_(None),
               Event.starts_at <= current + timedelta(hours=hours),
               Event.starts_at > current)
        .distinct()).all()
    sent = 0
    for order in due:
        moved = request.dbsession.execute(
            update(Order).where(Order.id == order.id, Order.notice_sent_at.is_(None))
            .values(notice_sent_at=current).execution_options(synchronize_session=False)).rowcount
        if moved:
            send_email(request, "tickets_available", order.buyer.email, order=order, user=order.buyer)
            sent += 1
    return sent


def run_sweep(args):
    with app_request(args.ini) as request:
        swept = sweep_holds(request)
    print(f"{swept.completed} late payment(s) completed, {swept.released} expired hold(s) released")


def run_notices(args):
    with app_request(args.ini) as request:
        sent = send_ticket_notices(request)
    print(f"{sent} ticket notice(s) sent")


def add_commands(sub):
    p = sub.add_parser("sweep-holds", help="give back the seats of expired holds (run from cron)")
    p.add_argument("ini")
    p.set_defaults(run=run_sweep)
    p = sub.add_parser("send-ticket-notices", help="e-mail buyers whose tickets became available (cron)")
    p.add_argument("ini")
    p.set_defaults(run=run_notices)
