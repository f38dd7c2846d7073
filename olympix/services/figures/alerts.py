"""Anomaly alerts (issue #12.4): a kind over its day's threshold is e-mailed to the managers, once.

``olympix anomaly-alerts INI`` runs this from cron (every few minutes). The
audit log remembers each alert sent (``anomaly.alert``, target
``<day>:<kind>``), so a second run, or two overlapping ones in turn, send
nothing more for that kind that day; the back office's home shows the same
alerts (``figures.glance``).
"""
from __future__ import annotations

from sqlalchemy import select

from ...models import AuditEntry, User, UserState
from ...security.principals import Role
from .. import audit
from ..clock import now, paris_day
from ..email import send_email
from .anomalies import anomalies_per_day
from .period import Period
from .tables import ALERT_THRESHOLDS, ANOMALY_EXPLANATIONS, ANOMALY_KINDS

ACTION = "anomaly.alert"


def alerts(day_row):
    """[(kind, count, threshold)] of the kinds that reached their threshold in one day's row."""
    return [(kind, day_row[kind], ALERT_THRESHOLDS[kind]) for kind in ANOMALY_KINDS
            if day_row[kind] >= ALERT_THRESHOLDS[kind]]


def send_alerts(request):
    """E-mail every active manager about today's kinds over their threshold not yet alerted; how many kinds."""
    day = paris_day(now(request))
    due = alerts(anomalies_per_day(request, Period(day, day))[0])
    if not due:
        return 0
    done = set(request.dbsession.scalars(select(AuditEntry.target_id).where(
        AuditEntry.action == ACTION, AuditEntry.target_id.like(f"{day.isoformat()}:%"))))
    managers = request.dbsession.scalars(select(User).where(User.role == Role.MANAGER,
                                                            User.state == UserState.ACTIVE)).all()
    sent = 0
    for kind, count, threshold in due:
        target = f"{day.isoformat()}:{kind}"
        if target in done:
            continue
        audit.record(request, ACTION, "anomaly", target, actor=None, kind=kind, count=count, threshold=threshold)
        for manager in managers:
            send_email(request, "anomaly_alert", manager.email, user=manager, kind=kind, count=count,
                       threshold=threshold, explanation=ANOMALY_EXPLANATIONS[kind], day=day)
        sent += 1
    return sent
