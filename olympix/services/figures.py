"""The managers' figures: sales, seats, attendance, connections, anomalies.

Everything is counted for a period of Europe/Paris days. Rows are
aggregated in SQL (GROUP BY); per-day figures are grouped by the UTC hour
of their timestamp (``hour_bucket``, the same on MariaDB and SQLite) and
the hours are then put into Paris days in Python: Paris is always a whole
number of hours from UTC, so an hour never straddles two Paris days, and
daylight-saving changes inside the period are handled by ``zoneinfo``.

Each table is a list of dicts whose keys are the table's columns
(``TABLES``): the page, the charts and the CSV export read the same rows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, distinct, func, select

from ..i18n import PARIS, _
from ..models import (
    Event,
    Offer,
    Order,
    OrderLine,
    OrderState,
    Payment,
    SignIn,
    Sport,
    Ticket,
    TicketState,
    User,
    VerificationCode,
    Visit,
)
from ..models.gate import Gate, Scan, Verdict
from .clock import now, paris_day, paris_midnight

DEFAULT_DAYS = 14
MAX_DAYS = 400
GATES_OPEN_BEFORE = timedelta(hours=3)  # as the gate's default (gate/scan.py)
BURST_WINDOW = timedelta(minutes=10)  # declined payments from one account…
BURST_MIN = 3  # …at least this many within the window
DETAILS_LIMIT = 2000

# Scan reasons that are anomalies (gate/scan.py Reason), and their kind here.
SCAN_ANOMALIES = {
    "unknown_or_forged": "forged",
    "already_scanned": "repeated",
    "wrong_event_or_day": "wrong_place",
}
ANOMALY_KINDS = ("forged", "repeated", "wrong_place", "code_voided", "payment_burst")
ANOMALY_NAMES = {
    "forged": _("Forged or unknown code"),
    "repeated": _("Ticket scanned again"),
    "wrong_place": _("Wrong gate or day"),
    "code_voided": _("Code voided by wrong tries"),
    "payment_burst": _("Burst of declined payments"),
}
OFFER_NAMES = {"solo": _("Solo"), "duo": _("Duo"), "family": _("Family")}


@dataclass(frozen=True)
class Column:
    key: str  # also the CSV header
    title: str  # translated on the page
    kind: str = "text"  # text, int, money, percent, day, datetime


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple


TABLES = {t.name: t for t in (
    Table("sales_per_day", _("Sales per day"), (
        Column("day", _("Day"), "day"), Column("orders", _("Orders"), "int"),
        Column("tickets", _("Tickets"), "int"), Column("revenue_eur", _("Revenue"), "money"))),
    Table("sales_per_offer", _("Sales per offer"), (
        Column("offer", _("Offer")), Column("offers_sold", _("Offers sold"), "int"),
        Column("tickets", _("Tickets"), "int"), Column("revenue_eur", _("Revenue"), "money"))),
    Table("sales_per_event", _("Sales per event"), (
        Column("event_code", _("Code")), Column("event", _("Event")), Column("sport", _("Sport")),
        Column("starts_at", _("Starts"), "datetime"), Column("tickets", _("Tickets"), "int"),
        Column("revenue_eur", _("Revenue"), "money"))),
    Table("sales_per_sport", _("Sales per sport"), (
        Column("sport", _("Sport")), Column("tickets", _("Tickets"), "int"),
        Column("revenue_eur", _("Revenue"), "money"))),
    Table("seats_left", _("Seats left"), (
        Column("event_code", _("Code")), Column("event", _("Event")),
        Column("starts_at", _("Starts"), "datetime"), Column("capacity", _("Capacity"), "int"),
        Column("seats_taken", _("Seats taken"), "int"), Column("seats_left", _("Seats left"), "int"))),
    Table("attendance", _("Attendance"), (
        Column("event_code", _("Code")), Column("event", _("Event")),
        Column("starts_at", _("Starts"), "datetime"), Column("tickets_sold", _("Tickets sold"), "int"),
        Column("tickets_scanned", _("Tickets scanned"), "int"), Column("rate_percent", _("Rate"), "percent"))),
    Table("inside_now", _("Inside now"), (
        Column("event_code", _("Code")), Column("event", _("Event")),
        Column("starts_at", _("Starts"), "datetime"), Column("inside", _("Inside now"), "int"))),
    Table("connections_per_day", _("Connections per day"), (
        Column("day", _("Day"), "day"), Column("sign_ins", _("Sign-ins"), "int"),
        Column("visitors", _("Distinct visitors"), "int"))),
    Table("anomalies_per_day", _("Anomalies per day"), (
        Column("day", _("Day"), "day"), Column("forged", ANOMALY_NAMES["forged"], "int"),
        Column("repeated", ANOMALY_NAMES["repeated"], "int"),
        Column("wrong_place", ANOMALY_NAMES["wrong_place"], "int"),
        Column("code_voided", ANOMALY_NAMES["code_voided"], "int"),
        Column("payment_burst", ANOMALY_NAMES["payment_burst"], "int"),
        Column("total", _("Total"), "int"))),
    Table("anomalies", _("Anomalies in detail"), (
        Column("at", _("When"), "datetime"), Column("kind", _("Anomaly")),
        Column("details", _("Details")))),
)}


# --- the period ---------------------------------------------------------

@dataclass(frozen=True)
class Period:
    first: date  # Paris days, both included
    last: date

    @property
    def start(self):
        """The first instant of the period, aware UTC."""
        return paris_midnight(self.first)

    @property
    def end(self):
        """The first instant after the period, aware UTC."""
        return paris_midnight(self.last + timedelta(days=1))

    @property
    def days(self):
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def default_period(request):
    today = paris_day(now(request))
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)


def parse_period(request, first, last):
    """The period asked in the query string, and an error message or None."""
    default = default_period(request)
    if not first and not last:
        return default, None
    try:
        first_day = date.fromisoformat(first) if first else None
        last_day = date.fromisoformat(last) if last else None
    except (TypeError, ValueError):
        return default, _("Dates are written YYYY-MM-DD: showing the last 14 days.")
    last_day = last_day or (first_day + timedelta(days=DEFAULT_DAYS - 1))
    first_day = first_day or (last_day - timedelta(days=DEFAULT_DAYS - 1))
    if first_day > last_day:
        return default, _("The period ends before it starts: showing the last 14 days.")
    if (last_day - first_day).days >= MAX_DAYS:
        return Period(last_day - timedelta(days=MAX_DAYS - 1), last_day), \
            _("A period is at most 400 days: showing the last 400 days of it.")
    return Period(first_day, last_day), None


# --- SQL helpers ----------------------------------------------------------

def hour_bucket(dbsession, column):
    """``YYYY-MM-DD HH`` of a UTC timestamp column, on MariaDB and SQLite."""
    if dbsession.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H", column)
    return func.date_format(column, "%Y-%m-%d %H")


def bucket_day(bucket):
    """The Paris day of a ``YYYY-MM-DD HH`` UTC bucket."""
    return paris_day(datetime.strptime(bucket, "%Y-%m-%d %H").replace(tzinfo=timezone.utc))


def per_day(period, rows, keys):
    """Sum (bucket, k1, k2…) rows into one dict per Paris day of the period."""
    days = {day: dict({k: 0 for k in keys}, day=day) for day in period.days}
    for row in rows:
        day = bucket_day(row[0])
        if day in days:
            for key, value in zip(keys, row[1:]):
                days[day][key] += int(value or 0)
    return list(days.values())


def in_period(column, period):
    return and_(column >= period.start, column < period.end)


def lang_of(request):
    return "fr" if getattr(request, "locale_name", "fr") == "fr" else "en"


def euros(cents):
    return (cents or 0) / 100


# --- sales ----------------------------------------------------------------

REVENUE = func.sum(OrderLine.quantity * OrderLine.unit_price_cents)


def _paid_in(period):
    # Paid orders only: cancelled ones were refunded, held ones not paid.
    return and_(Order.state == OrderState.PAID, in_period(Order.paid_at, period))


def sales_per_day(request, period):
    db = request.dbsession
    bucket = hour_bucket(db, Order.paid_at)
    rows = db.execute(
        select(bucket, func.count(distinct(Order.id)), func.sum(OrderLine.seats), REVENUE)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(_paid_in(period)).group_by(bucket)
    ).all()
    days = per_day(period, rows, ("orders", "tickets", "revenue_cents"))
    for row in days:
        row["revenue_eur"] = euros(row.pop("revenue_cents"))
    return days


def sales_per_offer(request, period):
    rows = request.dbsession.execute(
        select(Offer.kind, func.sum(OrderLine.quantity), func.sum(OrderLine.seats), REVENUE)
        .join(OrderLine, OrderLine.offer_id == Offer.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(_paid_in(period)).group_by(Offer.kind)
    ).all()
    found = {kind: (int(q or 0), int(s or 0), int(r or 0)) for kind, q, s, r in rows}
    out = []
    for kind in ("solo", "duo", "family"):
        quantity, seats, revenue = found.get(kind, (0, 0, 0))
        out.append({"offer": kind, "offers_sold": quantity, "tickets": seats, "revenue_eur": euros(revenue)})
    return out


def sales_per_event(request, period):
    lang = lang_of(request)
    title = Event.title_fr if lang == "fr" else Event.title_en
    sport = Sport.name_fr if lang == "fr" else Sport.name_en
    rows = request.dbsession.execute(
        select(Event.code, title, sport, Event.starts_at, func.sum(OrderLine.seats), REVENUE)
        .join(OrderLine, OrderLine.event_id == Event.id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Sport, Sport.id == Event.sport_id)
        .where(_paid_in(period))
        .group_by(Event.id, Event.code, title, sport, Event.starts_at)
        .order_by(REVENUE.desc(), Event.starts_at)
    ).all()
    return [{"event_code": code, "event": name, "sport": sport_name, "starts_at": starts,
             "tickets": int(seats or 0), "revenue_eur": euros(revenue)}
            for code, name, sport_name, starts, seats, revenue in rows]


def sales_per_sport(request, period):
    sport = Sport.name_fr if lang_of(request) == "fr" else Sport.name_en
    rows = request.dbsession.execute(
        select(sport, func.sum(OrderLine.seats), REVENUE)
        .join(Event, Event.sport_id == Sport.id)
        .join(OrderLine, OrderLine.event_id == Event.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(_paid_in(period))
        .group_by(Sport.id, sport)
        .order_by(REVENUE.desc(), sport)
    ).all()
    return [{"sport": name, "tickets": int(seats or 0), "revenue_eur": euros(revenue)}
            for name, seats, revenue in rows]


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
    """Sessions running now (gates open 3 h before): holders admitted today."""
    current = now(request)
    today_start = paris_midnight(paris_day(current))
    title = _event_title(request)
    rows = request.dbsession.execute(
        select(Event.code, title, Event.starts_at, func.count(distinct(Scan.ticket_id)))
        .select_from(Event)
        .outerjoin(Ticket, Ticket.event_id == Event.id)
        .outerjoin(Scan, and_(Scan.ticket_id == Ticket.id, Scan.verdict == Verdict.ADMIT,
                              Scan.at >= today_start))
        .where(Event.starts_at <= current + GATES_OPEN_BEFORE, Event.ends_at >= current,
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


# --- anomalies (the KRI) --------------------------------------------------

def _scan_anomaly_counts(db, period):
    bucket = hour_bucket(db, Scan.at)
    return db.execute(
        select(bucket, Scan.reason, func.count(Scan.id))
        .where(in_period(Scan.at, period), Scan.reason.in_(SCAN_ANOMALIES))
        .group_by(bucket, Scan.reason)
    ).all()


def _voided_code_counts(db, period):
    bucket = hour_bucket(db, VerificationCode.voided_at)
    return db.execute(
        select(bucket, func.count(VerificationCode.id))
        .where(VerificationCode.voided_reason == "wrong_tries", in_period(VerificationCode.voided_at, period))
        .group_by(bucket)
    ).all()


def payment_bursts(request, period):
    """Runs of ≥ BURST_MIN declined payments of one account within BURST_WINDOW.

    A burst is dated by its first payment (which falls in the period). SQL
    keeps only accounts with enough failures; the runs are found in Python.
    """
    db = request.dbsession
    window = and_(Payment.created_at >= period.start - BURST_WINDOW, Payment.created_at < period.end)
    suspects = select(Order.user_id).join(Payment, Payment.order_id == Order.id) \
        .where(Payment.status == "failed", window) \
        .group_by(Order.user_id).having(func.count(Payment.id) >= BURST_MIN)
    rows = db.execute(
        select(Order.user_id, User.email, Payment.created_at, Payment.amount_cents, Payment.failure_reason)
        .join(Order, Order.id == Payment.order_id).join(User, User.id == Order.user_id)
        .where(Payment.status == "failed", window, Order.user_id.in_(suspects))
        .order_by(Order.user_id, Payment.created_at, Payment.id)
    ).all()
    by_user = defaultdict(list)
    for row in rows:
        by_user[(row.user_id, row.email)].append(row)
    bursts = []
    for (user_id, email), failures in by_user.items():
        i = 0
        while i < len(failures):
            j = i
            while j + 1 < len(failures) and failures[j + 1].created_at - failures[i].created_at <= BURST_WINDOW:
                j += 1
            run = failures[i:j + 1]
            if len(run) >= BURST_MIN:
                if period.start <= run[0].created_at < period.end:
                    bursts.append({"at": run[0].created_at, "user_id": user_id, "email": email,
                                   "count": len(run), "last_at": run[-1].created_at,
                                   "reasons": sorted({r.failure_reason or "" for r in run} - {""})})
                i = j + 1
            else:
                i += 1
    return sorted(bursts, key=lambda b: b["at"])


def anomalies_per_day(request, period, bursts=None):
    db = request.dbsession
    days = {day: dict({k: 0 for k in ANOMALY_KINDS}, day=day, total=0) for day in period.days}

    def add(day, kind, count):
        if day in days:
            days[day][kind] += int(count)
            days[day]["total"] += int(count)

    for bucket, reason, count in _scan_anomaly_counts(db, period):
        add(bucket_day(bucket), SCAN_ANOMALIES[reason], count)
    for bucket, count in _voided_code_counts(db, period):
        add(bucket_day(bucket), "code_voided", count)
    for burst in bursts if bursts is not None else payment_bursts(request, period):
        add(paris_day(burst["at"]), "payment_burst", 1)
    return list(days.values())


def anomalies(request, period, bursts=None, limit=DETAILS_LIMIT):
    """Every anomaly of the period with what an investigator needs, newest first."""
    translate = request.localizer.translate
    db = request.dbsession
    out = []
    agent = User.__table__.alias("agent")
    scans = db.execute(
        select(Scan.at, Scan.reason, Scan.code_excerpt, Gate.name, agent.c.first_name, agent.c.last_name,
               Ticket.serial, Ticket.event_id)
        .join(Gate, Gate.id == Scan.gate_id)
        .join(agent, agent.c.id == Scan.agent_id)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .where(in_period(Scan.at, period), Scan.reason.in_(SCAN_ANOMALIES))
        .order_by(Scan.at.desc(), Scan.id.desc()).limit(limit)
    ).all()
    for at, reason, excerpt, gate, first, last, serial, _event in scans:
        parts = [translate(_("gate %(gate)s")) % {"gate": gate},
                 translate(_("agent %(name)s")) % {"name": f"{first} {last}".strip()}]
        if serial is not None:
            parts.append(translate(_("ticket %(serial)s")) % {"serial": serial})
        elif excerpt:
            parts.append(translate(_("code starting %(excerpt)s")) % {"excerpt": excerpt})
        out.append({"at": at, "kind": SCAN_ANOMALIES[reason], "details": " · ".join(parts)})
    codes = db.execute(
        select(VerificationCode.voided_at, VerificationCode.channel, VerificationCode.purpose, User.email)
        .join(User, User.id == VerificationCode.user_id)
        .where(VerificationCode.voided_reason == "wrong_tries", in_period(VerificationCode.voided_at, period))
        .order_by(VerificationCode.voided_at.desc()).limit(limit)
    ).all()
    for at, channel, purpose, email in codes:
        out.append({"at": at, "kind": "code_voided",
                    "details": translate(_("%(email)s · %(channel)s code (%(purpose)s)")) % {
                        "email": email, "channel": channel, "purpose": purpose}})
    for burst in bursts if bursts is not None else payment_bursts(request, period):
        details = translate(_("%(email)s · %(count)s declined payments until %(last)s")) % {
            "email": burst["email"], "count": burst["count"],
            "last": burst["last_at"].astimezone(PARIS).strftime("%H:%M")}
        if burst["reasons"]:
            details += " · " + ", ".join(burst["reasons"])
        out.append({"at": burst["at"], "kind": "payment_burst", "details": details})
    out.sort(key=lambda row: row["at"], reverse=True)
    return out[:limit]


# --- everything at once ---------------------------------------------------

COMPUTE = {
    "sales_per_day": sales_per_day,
    "sales_per_offer": sales_per_offer,
    "sales_per_event": sales_per_event,
    "sales_per_sport": sales_per_sport,
    "seats_left": seats_left,
    "attendance": attendance,
    "inside_now": inside_now,
    "connections_per_day": connections_per_day,
    "anomalies_per_day": anomalies_per_day,
    "anomalies": anomalies,
}


def table(request, name, period):
    return COMPUTE[name](request, period)


def all_tables(request, period):
    bursts = payment_bursts(request, period)
    out = {}
    for name, compute in COMPUTE.items():
        if name in ("anomalies_per_day", "anomalies"):
            out[name] = compute(request, period, bursts=bursts)
        else:
            out[name] = compute(request, period)
    return out


def totals(tables):
    """The headline numbers shown above the charts."""
    days = tables["sales_per_day"]
    return {
        "tickets": sum(r["tickets"] for r in days),
        "orders": sum(r["orders"] for r in days),
        "revenue_eur": sum(r["revenue_eur"] for r in days),
        "sign_ins": sum(r["sign_ins"] for r in tables["connections_per_day"]),
        "visitors": sum(r["visitors"] for r in tables["connections_per_day"]),
        "anomalies": sum(r["total"] for r in tables["anomalies_per_day"]),
        "inside": sum(r["inside"] for r in tables["inside_now"]),
    }


# What makes a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(column, value, lang="en"):
    """A value as the CSV export writes it (machine-friendly, Paris time)."""
    if value is None:
        return ""
    if column.kind == "money":
        return f"{value:.2f}"
    if column.kind == "percent":
        return f"{value:.1f}"
    if column.kind == "day":
        return value.isoformat()
    if column.kind == "datetime":
        return value.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A spreadsheet would run it (=HYPERLINK, =cmd|…): keep it text.
        return "'" + value
    return str(value)
