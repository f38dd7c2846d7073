"""``olympix expire-tickets INI``: tickets of events that are over expire.

Meant for cron (every few minutes is fine). Paid or delivered tickets of
events whose end has passed move to ``expired``, ``--batch`` at a time, each
batch in its own transaction, at most ``--limit`` per run (the next run
goes on). Idempotent: each ticket moves by a conditional UPDATE with its
history row, so overlapping runs, or a run racing a gate, change it once.
"""
from pyramid.paster import bootstrap, setup_logging
from pyramid.scripting import prepare

from ..services import tickets
from .common import CommandError, app_settings


def expire_tickets(registry, batch, limit):
    """Expire in batches; returns how many tickets moved."""
    total = 0
    while total < limit:
        size = min(batch, limit - total)
        env = prepare(registry=registry)
        try:
            with env["request"].tm:
                moved = tickets.expire_ended(env["request"], limit=size)
        finally:
            env["closer"]()
        total += moved
        if moved < size:
            break
    return total


def run_expire_tickets(args):
    if args.batch < 1 or args.limit < 1:
        raise CommandError("--batch and --limit must be at least 1")
    app_settings(args.ini)  # a clear error before bootstrap's traceback
    setup_logging(args.ini)
    with bootstrap(args.ini) as env:
        total = expire_tickets(env["registry"], args.batch, args.limit)
    more = " (limit reached: run again for the rest)" if total >= args.limit else ""
    print(f"{total} ticket(s) expired{more}")


def add_commands(sub):
    p = sub.add_parser("expire-tickets", help="move paid/delivered tickets of events that are over to expired")
    p.add_argument("ini")
    p.add_argument("--batch", type=int, default=500, help="tickets per transaction (default 500)")
    p.add_argument("--limit", type=int, default=100000, help="at most this many per run (default 100000)")
    p.set_defaults(run=run_expire_tickets)
