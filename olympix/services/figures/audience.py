"""Seats left, attendance, who is inside now, and connections."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, distinct, func, select

from ...models import Event, SignIn, Ticket, TicketState, Visit
from ...models.gate import Scan, Verdict
from ..clock import now, paris_day, paris_midnight
from .period import hour_bucket, in_period, lang_of, per_day

# --- seats and attendance -------------------------------------------------

def _event_title(request):
    return Event.title_fr if lang_of(request) == "fr" else Event.title_en


def seats_left(request, period):
    """Published sessions not over when the period starts, soonest first."""
    title = _event_title(request)
    rows = request.dbsession.execute(
        select(Event.code, title, Event.starts_at, Event.capacity, Event.seats_left)
        .where(Event.state == "published", Event.ends_at >= period.start)
        .order_by(Event.starts_at, Event.code)
    ).all()
    return [{"event_code": code, "event": name, "starts_at": starts, "capacity": capacity,
             "seats_taken": capacity - left, "seats_left": left}
            for code, name, starts, capacity, left in rows]


def attendance(request, period):
    """Sessions starting in the period: valid tickets against tickets scanned."""
    title = _event_title(request)
    # Counted per (event, state): portable on both back ends.
    rows = request.dbsession.execute(
        select(Event.id, Event.code, title, Event.starts_at, Ticket.state, func.count(Ticket.id))
        .join(Ticket, Ticket.event_id == Event.id)
        .where(in_period(Event.starts_at, period))
        .group_by(Event.id, Event.code, title, Event.starts_at, Ticket.state)
    ).all()
    events = {}
    for event_id, code, name, starts, state, count in rows:
        row = events.setdefault(event_id, {"event_code": code, "event": name, "starts_at": starts,
                                           "tickets_sold": 0, "tickets_scanned": 0})
        if state != TicketState.DEACTIVATED:
            row["tickets_sold"] += count
        if state == TicketState.SCANNED:
            row["tickets_scanned"] += count
    out = sorted(events.values(), key=lambda r: (r["starts_at"], r["event_code"]))
    for row in out:
        row["rate_percent"] = round(100 * row["tickets_scanned"] / row["tickets_sold"], 1) \
            if row["tickets_sold"] else 0.0
    return out


def inside_now(request, period=None):
    """Sessions whose gates are open now: holders admitted today.

    The gates open ``olympix.gate.opens_before`` minutes before the start,
    as at the gate (``Event.gates_open_at``).
    """
    current = now(request)
    opens_before = timedelta(minutes=request.registry.settings["olympix.gate.opens_before"])
    today_start = paris_midnight(paris_day(current))
    title = _event_title(request)
    rows = request.dbsession.execute(
        select(Event.code, title, Event.starts_at, func.count(distinct(Scan.ticket_id)))
        .select_from(Event)
        .outerjoin(Ticket, Ticket.event_id == Event.id)
        .outerjoin(Scan, and_(Scan.ticket_id == Ticket.id, Scan.verdict == Verdict.ADMIT,
                              Scan.at >= today_start))
        .where(Event.starts_at <= current + opens_before, Event.ends_at >= current,
               Event.state == "published")
        .group_by(Event.id, Event.code, title, Event.starts_at)
        .order_by(Event.starts_at, Event.code)
    ).all()
    return [{"event_code": code, "event": name, "starts_at": starts, "inside": int(inside or 0)}
            for code, name, starts, inside in rows]


# --- connections ----------------------------------------------------------

def connections_per_day(request, period):
    db = request.dbsession
    bucket = hour_bucket(db, SignIn.at)
    sign_ins = db.execute(
        select(bucket, func.count(SignIn.id)).where(in_period(SignIn.at, period)).group_by(bucket)
    ).all()
    days = {row["day"]: row for row in per_day(period, sign_ins, ("sign_ins",))}
    for row in days.values():
        row["visitors"] = 0
    visits = db.execute(
        select(Visit.day, func.count(Visit.id))
        .where(Visit.day >= period.first, Visit.day <= period.last).group_by(Visit.day)
    ).all()
    for day, count in visits:
        if day in days:
            days[day]["visitors"] = int(count)
    return list(days.values())
