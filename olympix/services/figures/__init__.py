"""The managers' figures: sales, seats, attendance, connections, anomalies.

Everything is counted for a period of Europe/Paris days (``period.py``);
each table (``tables.py``) is computed by one function of ``sales.py``,
``audience.py`` or ``anomalies.py``, aggregated in SQL.
"""
from __future__ import annotations

from ..clock import now, paris_day
from .alerts import alerts, send_alerts
from .anomalies import anomalies, anomalies_per_day, anomalies_per_venue
from .signals import payment_bursts, signals
from .audience import attendance, connections_per_day, inside_now, seats_left
from .period import Period, default_period, parse_period
from .sales import resales_per_day, sales_per_day, sales_per_event, sales_per_offer, sales_per_sport
from .tables import ANOMALY_NAMES, TABLES, cell_text

__all__ = ["ANOMALY_NAMES", "Period", "TABLES", "all_tables", "cell_text", "default_period",
           "parse_period", "table", "totals", "glance", "sales_per_day", "connections_per_day",
           "anomalies_per_day", "inside_now", "send_alerts", "payment_bursts", "signals"]

# --- everything at once ---------------------------------------------------

COMPUTE = {
    "sales_per_day": sales_per_day,
    "resales_per_day": resales_per_day,
    "sales_per_offer": sales_per_offer,
    "sales_per_event": sales_per_event,
    "sales_per_sport": sales_per_sport,
    "seats_left": seats_left,
    "attendance": attendance,
    "inside_now": inside_now,
    "connections_per_day": connections_per_day,
    "anomalies_per_day": anomalies_per_day,
    "anomalies_per_venue": anomalies_per_venue,
    "anomalies": anomalies,
}


def table(request, name, period):
    return COMPUTE[name](request, period)


def all_tables(request, period):
    found = signals(request, period)  # once for the three anomalies tables
    out = {}
    for name, compute in COMPUTE.items():
        if name in ("anomalies_per_day", "anomalies_per_venue", "anomalies"):
            out[name] = compute(request, period, found=found)
        else:
            out[name] = compute(request, period)
    return out


def glance(request):
    """Today's figures at a glance, for the back office's home."""
    today = paris_day(now(request))
    period = Period(today, today)
    anomalies_today = anomalies_per_day(request, period)[0]
    return {
        "sales": sales_per_day(request, period)[0],
        "connections": connections_per_day(request, period)[0],
        "anomalies": anomalies_today,
        "alerts": alerts(anomalies_today),
        "inside": sum(r["inside"] for r in inside_now(request, period)),
    }



def totals(tables):
    """The headline numbers shown above the charts."""
    days = tables["sales_per_day"]
    return {
        "tickets": sum(r["tickets"] for r in days),
        "orders": sum(r["orders"] for r in days),
        "revenue_eur": sum(r["revenue_eur"] for r in days) + sum(r["revenue_eur"] for r in tables["resales_per_day"]),
        "refunds_eur": sum(r["refunds_eur"] for r in days),
        "sign_ins": sum(r["sign_ins"] for r in tables["connections_per_day"]),
        "visitors": sum(r["visitors"] for r in tables["connections_per_day"]),
        "anomalies": sum(r["total"] for r in tables["anomalies_per_day"]),
        "inside": sum(r["inside"] for r in tables["inside_now"]),
    }
