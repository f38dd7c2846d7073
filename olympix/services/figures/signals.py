"""The anomalies found in a series of rows rather than in one (issue #12.4).

- brute force: refused scans from one device (its token, or an agent's
  browser at a gate) within one clock minute, counted in SQL per device and
  minute;
- bursts: holds (orders created) or purchases (orders paid) from one account,
  or from one client address for several accounts, within a few minutes;
  declined payments of one account (card testing);
- repeated lapses: holds of one account that ran out unpaid, per day.

For bursts SQL keeps only the accounts or addresses with enough rows in the
period; the runs within a window are then found in Python (``runs``), over
those few rows only. Each signal is a dict with its ``kind``, its ``at`` (the
first row), the venue it counts at (``venue_fr``/``venue_en``, or None) and
what ``describe`` needs to name it.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, func, select

from ...i18n import PARIS, _
from ...models import Event, Order, OrderLine, OrderState, Payment, User, Venue
from ...models.gate import DeviceToken, Gate, Scan, Verdict
from ...settings import DEFAULTS
from ..clock import paris_day
from .period import hour_bucket, in_period, minute_bucket

PAYMENT_WINDOW = timedelta(minutes=10)  # declined payments from one account…
PAYMENT_MIN = 3  # …at least this many within the window
#: An order is paid within its hold or a waiting-list offer (a day): bounding
#: ``created_at`` keeps the purchases' query on its index.
PAID_WITHIN = timedelta(days=2)


def threshold(request, name):
    """An ``olympix.anomalies.*`` setting (parsed by settings.py; the default when absent)."""
    key = f"olympix.anomalies.{name}"
    return int(request.registry.settings.get(key, DEFAULTS[key]))


def runs(rows, at, window, minimum):
    """The runs of ≥ ``minimum`` rows (sorted by ``at(row)``) whose last is within ``window`` of the first.

    A row belongs to one run at most: after a run the search starts again
    past its last row.
    """
    found, i = [], 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and at(rows[j + 1]) - at(rows[i]) <= window:
            j += 1
        if j - i + 1 >= minimum:
            found.append(rows[i:j + 1])
            i = j + 1
        else:
            i += 1
    return found


# --- brute force at a device ------------------------------------------------

def brute_force(request, period):
    """One signal per device and clock minute with ≥ ``brute_force_scans`` refused scans."""
    db = request.dbsession
    minute = minute_bucket(db, Scan.at)
    count = func.count(Scan.id)
    per_minute = (select(Scan.gate_id, Scan.agent_id, Scan.device_token_id, count.label("refused"),
                         func.min(Scan.at).label("first_at"), func.max(Scan.at).label("last_at"))
                  .where(in_period(Scan.at, period), Scan.verdict == str(Verdict.DENY))
                  .group_by(Scan.gate_id, Scan.agent_id, Scan.device_token_id, minute)
                  .having(count >= threshold(request, "brute_force_scans")).subquery())
    rows = db.execute(
        select(per_minute, Gate.name.label("gate"), Venue.name_fr, Venue.name_en, User.first_name,
               User.last_name, DeviceToken.label.label("device"))
        .join(Gate, Gate.id == per_minute.c.gate_id).join(Venue, Venue.id == Gate.venue_id)
        .join(User, User.id == per_minute.c.agent_id)
        .outerjoin(DeviceToken, DeviceToken.id == per_minute.c.device_token_id)
    ).all()
    return [{"kind": "brute_force", "at": row.first_at, "last_at": row.last_at, "count": int(row.refused),
             "venue_fr": row.name_fr, "venue_en": row.name_en, "gate": row.gate,
             "agent": f"{row.first_name} {row.last_name}".strip(),
             "device": row.device if row.device_token_id is not None else None} for row in rows]


# --- bursts of orders -------------------------------------------------------

def _first_venue():
    """The venue of an order's (first line's) event, as a correlated scalar subquery."""
    return (select(Event.venue_id).join(OrderLine, OrderLine.event_id == Event.id)
            .where(OrderLine.order_id == Order.id).order_by(OrderLine.id).limit(1)
            .correlate(Order).scalar_subquery())


def _order_bursts(request, period, kind, time, by_address, minimum, window, extra):
    """Bursts of orders (``time`` in the period) of one account, or of one address."""
    db = request.dbsession
    key = Order.client_address if by_address else Order.user_id
    where = and_(time >= period.start - window, time < period.end, key.is_not(None), *extra)
    suspects = select(key).where(where).group_by(key).having(func.count(Order.id) >= minimum)
    rows = db.execute(
        select(key.label("key"), Order.user_id, User.email, time.label("at"), Order.client_address,
               _first_venue().label("venue_id"))
        .join(User, User.id == Order.user_id)
        .where(where, key.in_(suspects)).order_by(key, time, Order.id)
    ).all()
    by_key = defaultdict(list)
    for row in rows:
        by_key[row.key].append(row)
    found = []
    for series in by_key.values():
        for run in runs(series, lambda r: r.at, window, minimum):
            accounts = sorted({r.email for r in run})
            # One account from one address is that account's burst, not the address's.
            if not period.start <= run[0].at < period.end or (by_address and len(accounts) < 2):
                continue
            found.append({"kind": kind, "at": run[0].at, "last_at": run[-1].at, "count": len(run),
                          "by": "address" if by_address else "account", "accounts": accounts,
                          "address": run[0].client_address if by_address else None,
                          "venue_id": run[0].venue_id})
    return found


def order_bursts(request, period):
    """Holds and purchases in bursts from one account, or from one address for several accounts."""
    window = timedelta(minutes=threshold(request, "burst_minutes"))
    paid = (Order.paid_at.is_not(None), Order.created_at >= period.start - window - PAID_WITHIN)
    found = []
    for kind, time, extra, per in (("hold_burst", Order.created_at, (), "holds"),
                                   ("purchase_burst", Order.paid_at, paid, "purchases")):
        found += _order_bursts(request, period, kind, time, False,
                               threshold(request, f"{per}_per_account"), window, extra)
        found += _order_bursts(request, period, kind, time, True,
                               threshold(request, f"{per}_per_address"), window, extra)
    venues = {v.id: v for v in request.dbsession.execute(
        select(Venue.id, Venue.name_fr, Venue.name_en).where(Venue.id.in_({b["venue_id"] for b in found})))}
    for burst in found:
        venue = venues.get(burst.pop("venue_id"))
        burst["venue_fr"], burst["venue_en"] = (venue.name_fr, venue.name_en) if venue else (None, None)
    return found


def payment_bursts(request, period):
    """Runs of ≥ PAYMENT_MIN declined payments of one account within PAYMENT_WINDOW (card testing)."""
    db = request.dbsession
    window = and_(Payment.created_at >= period.start - PAYMENT_WINDOW, Payment.created_at < period.end)
    suspects = select(Order.user_id).join(Payment, Payment.order_id == Order.id) \
        .where(Payment.status == "failed", window) \
        .group_by(Order.user_id).having(func.count(Payment.id) >= PAYMENT_MIN)
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
        for run in runs(failures, lambda r: r.created_at, PAYMENT_WINDOW, PAYMENT_MIN):
            if period.start <= run[0].created_at < period.end:
                bursts.append({"kind": "payment_burst", "at": run[0].created_at, "user_id": user_id,
                               "email": email, "count": len(run), "last_at": run[-1].created_at,
                               "reasons": sorted({r.failure_reason or "" for r in run} - {""}),
                               "venue_fr": None, "venue_en": None})
    return sorted(bursts, key=lambda b: b["at"])


# --- lapsed holds -----------------------------------------------------------

def repeated_lapses(request, period):
    """One signal per account and Paris day with ≥ ``lapses_per_day`` holds run out unpaid."""
    db = request.dbsession
    bucket = hour_bucket(db, Order.held_until)
    rows = db.execute(
        select(Order.user_id, User.email, bucket, func.count(Order.id), func.min(Order.held_until),
               func.max(Order.held_until))
        .join(User, User.id == Order.user_id)
        .where(Order.state == OrderState.EXPIRED, in_period(Order.held_until, period))
        .group_by(Order.user_id, User.email, bucket)
    ).all()
    days = {}
    for user_id, email, _bucket, count, first, last in rows:
        day = days.setdefault((user_id, paris_day(first)), {
            "kind": "repeated_lapses", "email": email, "count": 0, "at": first, "last_at": last,
            "venue_fr": None, "venue_en": None})
        day["count"] += int(count)
        day["at"], day["last_at"] = min(day["at"], first), max(day["last_at"], last)
    minimum = threshold(request, "lapses_per_day")
    return [day for day in days.values() if day["count"] >= minimum]


def signals(request, period):
    """Every series anomaly of the period, oldest first."""
    found = brute_force(request, period) + order_bursts(request, period) + payment_bursts(request, period) \
        + repeated_lapses(request, period)
    return sorted(found, key=lambda s: s["at"])


# --- what the details list says ---------------------------------------------

def _time(at):
    return at.astimezone(PARIS).strftime("%H:%M:%S")


def describe(translate, signal, lang):
    """The details of one signal, in the reader's language."""
    kind, values = signal["kind"], {"count": signal["count"], "first": _time(signal["at"]),
                                    "last": _time(signal["last_at"])}
    if kind == "brute_force":
        venue = signal["venue_fr"] if lang == "fr" else signal["venue_en"]
        parts = [translate(_("gate %(gate)s (%(venue)s)")) % {"gate": signal["gate"], "venue": venue},
                 translate(_("agent %(name)s")) % {"name": signal["agent"]},
                 translate(_("device %(label)s")) % {"label": signal["device"]} if signal["device"] is not None
                 else translate(_("the gate page in the agent's browser")),
                 translate(_("%(count)s refused scans from %(first)s to %(last)s")) % values]
    elif kind in ("hold_burst", "purchase_burst"):
        what = _("%(count)s holds from %(first)s to %(last)s") if kind == "hold_burst" else \
            _("%(count)s purchases from %(first)s to %(last)s")
        if signal["by"] == "address":
            parts = [translate(_("address %(address)s")) % {"address": signal["address"]},
                     translate(_("%(count)s accounts: %(emails)s")) % {
                         "count": len(signal["accounts"]), "emails": ", ".join(signal["accounts"][:5])}]
        else:
            parts = [translate(_("account %(email)s")) % {"email": signal["accounts"][0]}]
        parts.append(translate(what) % values)
        venue = signal["venue_fr"] if lang == "fr" else signal["venue_en"]
        if venue:
            parts.append(venue)
    elif kind == "repeated_lapses":
        parts = [translate(_("account %(email)s")) % {"email": signal["email"]},
                 translate(_("%(count)s holds run out unpaid from %(first)s to %(last)s")) % values]
    else:  # payment_burst
        parts = [translate(_("%(email)s · %(count)s declined payments until %(last)s")) % {
            "email": signal["email"], "count": signal["count"],
            "last": signal["last_at"].astimezone(PARIS).strftime("%H:%M")}]
        if signal["reasons"]:
            parts.append(", ".join(signal["reasons"]))
    return " · ".join(parts)
