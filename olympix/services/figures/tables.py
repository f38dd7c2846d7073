"""What each figures table holds: its name, its columns and their kinds.

The page, the charts and the CSV export read the same rows, lists of dicts
whose keys are the columns below.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...formatting import ANOMALY_NAMES
from ...i18n import PARIS, _

# Scan reasons that are anomalies (gate/scan.py Reason), and their kind here.
SCAN_ANOMALIES = {
    "unknown_or_forged": "forged",
    "already_scanned": "repeated",
    "wrong_event_or_day": "wrong_place",
}
ANOMALY_KINDS = ("forged", "repeated", "wrong_place", "code_voided", "payment_burst")


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
        Column("tickets", _("Tickets"), "int"), Column("refunds_eur", _("Refunds"), "money"),
        Column("revenue_eur", _("Revenue"), "money"))),
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
