"""The anomalies (the key risk indicator): forged and repeated scans, wrong places,
codes voided by wrong tries, and the series of signals.py (brute force, bots' bursts,
repeated lapses)."""
from __future__ import annotations

from sqlalchemy import func, select

from ...i18n import PARIS, _
from ...models import Ticket, User, Venue, VerificationCode
from ...models.gate import Gate, Scan
from ..clock import paris_day
from .period import bucket_day, hour_bucket, in_period
from .signals import describe, signals
from .tables import ANOMALY_EXPLANATIONS, ANOMALY_KINDS, REPLACED_REASONS, SCAN_ANOMALIES, VENUE_KINDS

DETAILS_LIMIT = 2000

# --- anomalies (the KRI) --------------------------------------------------

def scan_kind(reason, ticket_state_reason):
    """The anomaly kind of a scan's reason (a deactivated ticket that was replaced: "transferred")."""
    kind = SCAN_ANOMALIES[reason]
    if kind == "deactivated" and ticket_state_reason in REPLACED_REASONS:
        return "transferred"
    return kind


def _scan_anomaly_counts(db, period):
    """(hour bucket, kind, count) of the period's anomalous scans."""
    bucket = hour_bucket(db, Scan.at)
    rows = db.execute(
        select(bucket, Scan.reason, Ticket.state_reason, func.count(Scan.id))
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .where(in_period(Scan.at, period), Scan.reason.in_(SCAN_ANOMALIES))
        .group_by(bucket, Scan.reason, Ticket.state_reason)
    ).all()
    return [(b, scan_kind(reason, state_reason), count) for b, reason, state_reason, count in rows]


def anomalies_per_venue(request, period, found=None):
    """The anomalies of the period per venue: a scan's gate's, a burst's event's (a lapse or a code has none)."""
    found = signals(request, period) if found is None else found
    rows = request.dbsession.execute(
        select(Venue.name_fr, Venue.name_en, Scan.reason, Ticket.state_reason, func.count(Scan.id))
        .join(Gate, Gate.id == Scan.gate_id).join(Venue, Venue.id == Gate.venue_id)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .where(in_period(Scan.at, period), Scan.reason.in_(SCAN_ANOMALIES))
        .group_by(Venue.name_fr, Venue.name_en, Scan.reason, Ticket.state_reason)
    ).all()
    lang = request.locale_name
    venues = {}
    counts = [(name_fr, name_en, scan_kind(reason, state_reason), count)
              for name_fr, name_en, reason, state_reason, count in rows]
    counts += [(s["venue_fr"], s["venue_en"], s["kind"], 1) for s in found if s["kind"] in VENUE_KINDS
               and s["venue_fr"] is not None]
    for name_fr, name_en, kind, count in counts:
        name = name_fr if lang == "fr" else name_en
        row = venues.setdefault(name, dict({k: 0 for k in VENUE_KINDS}, venue=name, total=0))
        row[kind] += int(count)
        row["total"] += int(count)
    return sorted(venues.values(), key=lambda r: (-r["total"], r["venue"]))


def _voided_code_counts(db, period):
    bucket = hour_bucket(db, VerificationCode.voided_at)
    return db.execute(
        select(bucket, func.count(VerificationCode.id))
        .where(VerificationCode.voided_reason == "wrong_tries", in_period(VerificationCode.voided_at, period))
        .group_by(bucket)
    ).all()


def anomalies_per_day(request, period, found=None):
    db = request.dbsession
    days = {day: dict({k: 0 for k in ANOMALY_KINDS}, day=day, total=0) for day in period.days}

    def add(day, kind, count):
        if day in days:
            days[day][kind] += int(count)
            days[day]["total"] += int(count)

    for bucket, kind, count in _scan_anomaly_counts(db, period):
        add(bucket_day(bucket), kind, count)
    for bucket, count in _voided_code_counts(db, period):
        add(bucket_day(bucket), "code_voided", count)
    for signal in signals(request, period) if found is None else found:
        add(paris_day(signal["at"]), signal["kind"], 1)
    return list(days.values())


def anomalies(request, period, found=None, limit=DETAILS_LIMIT):
    """Every anomaly of the period with what an investigator needs, newest first."""
    translate = request.localizer.translate
    db = request.dbsession
    out = []
    agent = User.__table__.alias("agent")
    other, other_gate, other_agent = (Scan.__table__.alias("other"), Gate.__table__.alias("other_gate"),
                                      User.__table__.alias("other_agent"))
    venue_name = Venue.name_fr if request.locale_name == "fr" else Venue.name_en
    scans = db.execute(
        select(Scan.at, Scan.reason, Scan.code_excerpt, Gate.name, venue_name, agent.c.first_name,
               agent.c.last_name, Ticket.serial, Ticket.attendee_first_name, Ticket.attendee_last_name,
               Ticket.state_reason, other.c.at, other_gate.c.name, other_agent.c.first_name,
               other_agent.c.last_name)
        .join(Gate, Gate.id == Scan.gate_id).join(Venue, Venue.id == Gate.venue_id)
        .join(agent, agent.c.id == Scan.agent_id)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .outerjoin(other, other.c.id == Scan.related_scan_id)
        .outerjoin(other_gate, other_gate.c.id == other.c.gate_id)
        .outerjoin(other_agent, other_agent.c.id == other.c.agent_id)
        .where(in_period(Scan.at, period), Scan.reason.in_(SCAN_ANOMALIES))
        .order_by(Scan.at.desc(), Scan.id.desc()).limit(limit)
    ).all()
    for (at, reason, excerpt, gate, venue, first, last, serial, holder_first, holder_last, state_reason,
         other_at, other_gate_name, other_first, other_last) in scans:
        kind = scan_kind(reason, state_reason)
        parts = [translate(_("gate %(gate)s (%(venue)s)")) % {"gate": gate, "venue": venue},
                 translate(_("agent %(name)s")) % {"name": f"{first} {last}".strip()}]
        if serial is not None:
            parts.append(translate(_("ticket %(serial)s")) % {"serial": serial})
            holder = f"{holder_first} {holder_last}".strip()
            if holder:
                parts.append(translate(_("holder %(name)s")) % {"name": holder})
        elif excerpt:
            parts.append(translate(_("code starting %(excerpt)s")) % {"excerpt": excerpt})
        if other_at is not None:
            parts.append(translate(_("first admitted at %(time)s at %(gate)s by agent %(name)s")) % {
                "time": other_at.astimezone(PARIS).strftime("%H:%M:%S"), "gate": other_gate_name,
                "name": f"{other_first} {other_last}".strip()})
        out.append({"at": at, "kind": kind, "details": " · ".join(parts),
                    "explanation": translate(ANOMALY_EXPLANATIONS[kind])})
    codes = db.execute(
        select(VerificationCode.voided_at, VerificationCode.channel, VerificationCode.purpose, User.email)
        .join(User, User.id == VerificationCode.user_id)
        .where(VerificationCode.voided_reason == "wrong_tries", in_period(VerificationCode.voided_at, period))
        .order_by(VerificationCode.voided_at.desc()).limit(limit)
    ).all()
    for at, channel, purpose, email in codes:
        out.append({"at": at, "kind": "code_voided", "explanation": translate(ANOMALY_EXPLANATIONS["code_voided"]),
                    "details": translate(_("%(email)s · %(channel)s code (%(purpose)s)")) % {
                        "email": email, "channel": channel, "purpose": purpose}})
    for signal in signals(request, period) if found is None else found:
        out.append({"at": signal["at"], "kind": signal["kind"],
                    "details": describe(translate, signal, request.locale_name),
                    "explanation": translate(ANOMALY_EXPLANATIONS[signal["kind"]])})
    out.sort(key=lambda row: row["at"], reverse=True)
    return out[:limit]
