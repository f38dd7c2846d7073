"""``olympix onsale INI --event CODE --at ISO_TIME [--rate PER_MINUTE] [--phase NAME]``.

Gives an event its on-sale opening and admission rate (the waiting room,
docs/waiting-room.md), as the event form does. A time without a zone is
Paris time; ``--at none`` removes the queue.
"""
from datetime import datetime, timezone

from sqlalchemy import select

from ..i18n import PARIS
from ..models import Event
from ..services import waiting_room
from .common import CommandError, app_request


def parse_time(text):
    if text.lower() == "none":
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--at {text!r} is not an ISO time such as 2026-12-03T10:00 or 2026-12-03T09:00Z") \
            from None
    return (when.replace(tzinfo=PARIS) if when.tzinfo is None else when).astimezone(timezone.utc)


def run_onsale(args):
    opens_at = parse_time(args.at)
    with app_request(args.ini) as request:
        event = request.dbsession.scalar(select(Event).where(Event.code == args.event))
        if event is None:
            raise CommandError(f"no event with the code {args.event!r}")
        try:
            waiting_room.set_opening(request, event, opens_at, args.rate, args.phase)
        except waiting_room.OpeningRefused as exc:
            raise CommandError(str(exc)) from None
        sale = waiting_room.sale_of(request, event)
        if sale is None:
            print(f"{event.code}: no queue, on sale as soon as published")
        else:
            print(f"{event.code}: opens {sale.opens_at.isoformat()}, queue {sale.key}, "
                  f"{sale.per_minute:g} admissions a minute")


def add_commands(sub):
    cmd = sub.add_parser("onsale", help="give an event its on-sale opening and admission rate")
    cmd.add_argument("ini")
    cmd.add_argument("--event", required=True, help="the event's code, e.g. ATH-0804-EVE")
    cmd.add_argument("--at", required=True, help="ISO time of the opening (Paris time without a zone), or none")
    cmd.add_argument("--rate", type=int, help="admissions a minute (default: olympix.queue.default_rate)")
    cmd.add_argument("--phase", help="a sale phase shared by several events (one queue, one pass)")
    cmd.set_defaults(run=run_onsale)
