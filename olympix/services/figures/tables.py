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
    "stale_code": "screenshot",
    "printed_phone_only": "printed_phone_only",
    # A deactivated ticket is "transferred" when it was replaced (a transfer,
    # a re-issue, a resale: its state reason says so), else "deactivated".
    "deactivated": "deactivated",
    "double_offline": "double_offline",
    "retired_key": "retired_key",
}
#: The ticket's state reasons that mean "replaced by a new ticket" (services/tickets.reissue, resale).
REPLACED_REASONS = ("transfer", "reissue", "revendu", "resold")
#: The kinds of the scan journal, one scan each.
SCAN_KINDS = ("forged", "retired_key", "repeated", "wrong_place", "screenshot", "printed_phone_only", "deactivated",
              "transferred", "double_offline")
#: The kinds found in a series of rows (signals.py): one per device and minute, account or address and burst…
SERIES_KINDS = ("brute_force", "hold_burst", "purchase_burst", "repeated_lapses", "payment_burst")
#: What has a venue: a scan's gate, a burst's first order's event (a lapse, a code or a payment has none).
VENUE_KINDS = SCAN_KINDS + ("brute_force", "hold_burst", "purchase_burst")
ANOMALY_KINDS = SCAN_KINDS + ("code_voided",) + SERIES_KINDS
#: How many of a kind in one day raise an alert on the back office's home
#: (a handful of repeats is ordinary at a stadium; one double admission is not).
ALERT_THRESHOLDS = {"forged": 20, "retired_key": 20, "repeated": 50, "wrong_place": 50, "screenshot": 5, "printed_phone_only": 10,
                    "deactivated": 10, "transferred": 5, "double_offline": 1, "code_voided": 10,
                    "payment_burst": 3, "brute_force": 1, "hold_burst": 3, "purchase_burst": 3,
                    "repeated_lapses": 5}
#: One sentence per kind: what it probably means and what to do.
ANOMALY_EXPLANATIONS = {
    "forged": _("A code no ticket has: forged, altered or under a retired key. Keep the person at the gate "
                "and check their purchase."),
    "retired_key": _("A code under a server key that was retired: an old printout or copy from before the "
                     "rotation, or a forgery. The holder's current ticket is valid."),
    "repeated": _("A ticket already used: a copy (photocopy, screenshot) or someone coming back in. Compare "
                  "the holder's ID with the name."),
    "wrong_place": _("A real ticket for another venue, session or day: usually a mistaken holder. Direct them."),
    "screenshot": _("A phone code minutes old: probably a screenshot sold or passed on. Ask for the live "
                    "ticket on the holder's phone."),
    "printed_phone_only": _("A printed code at a phone-only session: a printout or a copy. Ask for the phone "
                            "ticket."),
    "deactivated": _("A cancelled or refunded ticket: a ticket given back being used anyway. Refuse it."),
    "transferred": _("The old code of a ticket put in another name or resold: the previous holder or a copy. "
                     "Only the new ticket is valid."),
    "double_offline": _("Two gates admitted the same ticket while offline: a copy used at two entrances. "
                        "Tell both gates' agents."),
    "code_voided": _("A verification code voided after wrong tries: someone guessing codes. Watch the account."),
    "payment_burst": _("Declined payments in a row from one account: card testing or a bot. Look at the "
                       "account and its orders."),
    "brute_force": _("Many codes refused at one device within a minute: someone is trying codes, or a "
                     "scanner misreads. Check the device and the agent."),
    "hold_burst": _("Many holds within minutes from one account or one address: a bot keeping seats off "
                    "sale. Look at the accounts and their orders."),
    "purchase_burst": _("Many purchases within minutes from one account or one address: a bot buying to "
                        "resell. Check the orders and their holders before the session."),
    "repeated_lapses": _("Holds of one account running out unpaid again and again: seats kept off sale by "
                         "re-holding. Look at the account."),
}


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
    Table("resales_per_day", _("Resales per day"), (
        Column("day", _("Day"), "day"), Column("resales", _("Resales"), "int"),
        Column("tickets", _("Tickets resold"), "int"),
        Column("paid_eur", _("Paid by buyers"), "money"), Column("to_sellers_eur", _("Refunded to sellers"), "money"),
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
        Column("retired_key", ANOMALY_NAMES["retired_key"], "int"),
        Column("screenshot", ANOMALY_NAMES["screenshot"], "int"),
        Column("printed_phone_only", ANOMALY_NAMES["printed_phone_only"], "int"),
        Column("deactivated", ANOMALY_NAMES["deactivated"], "int"),
        Column("transferred", ANOMALY_NAMES["transferred"], "int"),
        Column("double_offline", ANOMALY_NAMES["double_offline"], "int"),
        *(Column(kind, ANOMALY_NAMES[kind], "int") for kind in SERIES_KINDS if kind != "payment_burst"),
        Column("total", _("Total"), "int"))),
    Table("anomalies_per_venue", _("Anomalies per venue"), (
        Column("venue", _("Venue")),
        *(Column(kind, ANOMALY_NAMES[kind], "int") for kind in VENUE_KINDS),
        Column("total", _("Total"), "int"))),
    Table("anomalies", _("Anomalies in detail"), (
        Column("at", _("When"), "datetime"), Column("kind", _("Anomaly")),
        Column("details", _("Details")), Column("explanation", _("What it probably means")))),
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
