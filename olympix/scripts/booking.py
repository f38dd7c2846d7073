"""``olympix sweep-holds INI``, ``olympix reconcile-payments INI`` and ``olympix send-ticket-notices INI``.

All are meant for cron (every minute is fine; reconcile-payments every few
minutes) and are idempotent: each order, payment and refund moves by a
conditional UPDATE, so two overlapping runs, or a run racing a buyer, do
each thing once.
"""
from ..services import reconciliation, ticket_notices
from ..services.email import send_email
from .common import CommandError, app_request


def sweep_holds(request):
    """Ask the provider about open sessions of lapsed holds, then expire the rest: ``(completed, released)``."""
    return reconciliation.sweep_lapsed_holds(request)


def send_ticket_notices(request):
    """E-mail each paid order once when its tickets become visible (services/ticket_notices.py)."""
    sent = 0
    for order in ticket_notices.due(request):
        if ticket_notices.claim(request, order):
            send_email(request, "tickets_available", order.buyer.email, order=order, user=order.buyer)
            sent += 1
    return sent


def run_sweep(args):
    with app_request(args.ini) as request:
        swept = sweep_holds(request)
    print(f"{swept.completed} late payment(s) completed, {swept.released} expired hold(s) released")


def run_reconcile(args):
    if not 0 < args.max_age <= 24 * 366:
        raise CommandError("--max-age is a number of hours between 1 and 8784")
    with app_request(args.ini) as request:
        done = reconciliation.reconcile_open(request, args.max_age)
    print(f"{done.asked} payment(s) asked about, {done.completed} completed, {done.refunded} refund(s) made, "
          f"{done.pending} refund(s) still waiting for the provider")


def run_notices(args):
    with app_request(args.ini) as request:
        sent = send_ticket_notices(request)
    print(f"{sent} ticket notice(s) sent")


def add_commands(sub):
    p = sub.add_parser("sweep-holds", help="give back the seats of expired holds (run from cron)")
    p.add_argument("ini")
    p.set_defaults(run=run_sweep)
    p = sub.add_parser("reconcile-payments", help="ask the provider about every payment not final, retry "
                       "refunds it has not taken (cron)")
    p.add_argument("ini")
    p.add_argument("--max-age", type=int, default=72, metavar="HOURS",
                   help="ask about sessions opened up to this many hours ago (default 72)")
    p.set_defaults(run=run_reconcile)
    p = sub.add_parser("send-ticket-notices", help="e-mail buyers whose tickets became available (cron)")
    p.add_argument("ini")
    p.set_defaults(run=run_notices)
