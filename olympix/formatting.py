"""How olympix writes money, counts, dates and the names of things.

One place, so a price, a date or a ticket's state reads the same on the
event page, the order, the e-mail, the PDF and the back office. Views and
templates use a :class:`Formatter` bound to the person's language
(``request.fmt``; templates get it as ``fmt`` from the one template-globals
subscriber in ``views/__init__.py``); commands without a request build one
from a localizer.

Times are stored in UTC and always shown in a named time zone: the venue's
when there is one (``Venue.tz``), else Paris, the Games' calendar. A time a
person might read in another zone says which (``zone=True``).
"""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import wraps
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal

from .i18n import PARIS, _, _p
from .models.catalogue import OfferKind
from .models.orders import OrderState, PaymentStatus
from .models.refunds import RefundReason, RefundStatus
from .models.tickets import TicketState
from .security.principals import Role

# -- names of things ------------------------------------------------------------
# French needs the gender of what is named ("annulée" for an order, "annulé"
# for a ticket): messages that read the same in English carry a context.

OFFER_NAMES = {OfferKind.SOLO: _("Solo"), OfferKind.DUO: _("Duo"), OfferKind.FAMILY: _("Family")}
OFFER_SEATS = {OfferKind.SOLO: _("1 seat"), OfferKind.DUO: _("2 seats side by side"),
               OfferKind.FAMILY: _("4 seats side by side")}

ORDER_STATES = {
    OrderState.HELD: _("Waiting for payment"),
    OrderState.PAID: _p("order", "Paid"),
    OrderState.EXPIRED: _p("order", "Expired"),
    OrderState.CANCELLED: _p("order", "Cancelled"),
}
#: What a holder reads about their ticket.
TICKET_STATES = {
    TicketState.PAID: _("Valid"),
    TicketState.DELIVERED: _("Valid"),
    TicketState.SCANNED: _("Used"),
    TicketState.DEACTIVATED: _p("ticket", "Cancelled"),
    TicketState.EXPIRED: _p("ticket", "Expired"),
}
#: What staff read: every state apart.
TICKET_STATES_STAFF = {
    TicketState.PAID: _("paid, not yet opened"),
    TicketState.DELIVERED: _("delivered (opened by the holder)"),
    TicketState.SCANNED: _("scanned"),
    TicketState.DEACTIVATED: _("deactivated"),
    TicketState.EXPIRED: _("expired"),
}
#: What a gate agent reads on a verdict ("Ticket state: paid"): short.
TICKET_STATES_AGENT = {
    TicketState.PAID: _("paid"),
    TicketState.DELIVERED: _("delivered"),
    TicketState.SCANNED: _("scanned"),
    TicketState.DEACTIVATED: _("deactivated"),
    TicketState.EXPIRED: _("expired"),
}
PAYMENT_STATUSES = {
    PaymentStatus.OPEN: _("waiting for the bank"),
    PaymentStatus.PAID: _p("payment", "Paid"),
    PaymentStatus.FAILED: _("declined"),
    PaymentStatus.CANCELED: _p("payment", "Cancelled"),
    PaymentStatus.EXPIRED: _p("payment", "Expired"),
    PaymentStatus.REFUNDED: _("refunded"),
}
REFUND_STATUSES = {RefundStatus.PENDING: _("pending: retried until the provider takes it"),
                   RefundStatus.SUCCEEDED: _("done")}
#: Why money went back, as the buyer reads it.
REFUND_REASONS = {
    RefundReason.LATE: _("your payment arrived after the seats were released and none were left"),
    RefundReason.MISMATCH: _("the payment did not match the order"),
    RefundReason.STAFF: _("the order was cancelled by our staff"),
    RefundReason.TICKET: _("a ticket was cancelled by our staff"),
    RefundReason.BUYER: _("you cancelled the order"),
    RefundReason.RESALE: _("your ticket was resold on the official resale"),
}
#: Why a ticket changed (ticket_history.reason, tickets.state_reason) as staff
#: read it; other reasons (a gate's name, a note an agent typed) are shown as written.
TICKET_REASONS = {
    "minted": _("issued"),
    "opened": _("opened by the holder"),
    "transfer": _("new holder's name"),
    "re-issued by staff": _("re-issued by staff"),
    "bought at resale": _("bought at the official resale"),
    "revendu": _("resold on the official resale"),
    "event over": _("the event is over"),
    "cancelled by staff": _("cancelled by staff"),
    "cancelled by the buyer": _("cancelled by the buyer"),
}
ROLE_NAMES = {
    Role.USER: _("User"),
    Role.EDITOR: _("Editor"),
    Role.AGENT: _("Gate agent"),
    Role.MANAGER: _("Manager"),
    Role.ADMIN: _("Administrator"),
}
#: The kinds of anomaly the managers follow (services/figures).
ANOMALY_NAMES = {
    "forged": _("Forged or unknown code"),
    "repeated": _("Ticket scanned again"),
    "wrong_place": _("Wrong gate or day"),
    "code_voided": _("Code voided by wrong tries"),
    "payment_burst": _("Burst of declined payments"),
    "retired_key": _("Code under a retired key"),
    "screenshot": _("Stale phone code (screenshot)"),
    "printed_phone_only": _("Printed code at a phone-only session"),
    "deactivated": _("Cancelled or refunded ticket"),
    "transferred": _("Old code of a transferred ticket"),
    "double_offline": _("Admitted twice while offline"),
    "brute_force": _("Many refused scans at one device (brute force)"),
    "hold_burst": _("Burst of holds (bot)"),
    "purchase_burst": _("Burst of purchases (bot)"),
    "repeated_lapses": _("Holds lapsing again and again"),
}
#: Names of the time zones venues are in.
ZONE_NAMES = {"Europe/Paris": _("Paris time"), "Pacific/Tahiti": _("Tahiti time")}

DATETIME_STYLES = ("long", "short", "numeric", "seconds")
#: Compact patterns for tables: (date and time, with seconds, date). English
#: spells the month so that 04/08 is never read as April the 8th.
NUMERIC = {"fr": ("dd/MM/y HH:mm", "dd/MM/y HH:mm:ss", "dd/MM/y"),
           "en": ("d MMM y, h:mm a", "d MMM y, h:mm:ss a", "d MMM y")}
DAY_LABEL = {"fr": "dd/MM", "en": "d MMM"}


#: How many answers a localizer's formatters remember (then they start again).
MEMO_LIMIT = 4096


def memoized(method):
    """Remember ``method``'s answer per localizer and arguments.

    The catalogue writes the same prices, dates and names on every request
    (issue 11): Babel's formatting was a fifth of a search page. An answer
    depends only on the language (the localizer, built once per process and
    language) and the arguments, so it is kept on the localizer; the memo is
    bounded, and arguments that cannot be a key are formatted as usual.
    """
    name = method.__name__

    @wraps(method)
    def remembered(self, *args, **kwargs):
        key = (name, args, tuple(sorted(kwargs.items())))
        try:
            return self._memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable argument
            return method(self, *args, **kwargs)
        value = method(self, *args, **kwargs)
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = value
        return value

    return remembered


class Formatter:
    """Formats for one language; ``localizer`` is Pyramid's (``request.localizer``)."""

    def __init__(self, localizer):
        self.localizer = localizer
        self.locale = localizer.locale_name
        self._memo = localizer.__dict__.setdefault("_olympix_formats", {})

    def translate(self, message, **mapping):
        return self.localizer.translate(message, mapping=mapping or None)

    def _name(self, names, key):
        found = names.get(key)
        return self.translate(found) if found is not None else str(key)

    # -- money and numbers

    @memoized
    def money(self, cents: int) -> str:
        """Integer cents as the reader writes euros: "45,00 €" (fr), "€45.00" (en)."""
        return format_currency(Decimal(cents) / 100, "EUR", locale=self.locale)

    @memoized
    def euros(self, amount: Decimal) -> str:
        return format_currency(amount, "EUR", locale=self.locale)

    @memoized
    def count(self, number: int) -> str:
        """"2 000" (fr), "2,000" (en)."""
        return format_decimal(number, locale=self.locale)

    # -- dates and times

    @staticmethod
    def local(when: datetime, tz: tzinfo | None = None) -> datetime:
        return when.astimezone(tz or PARIS)

    @memoized
    def zone(self, tz: tzinfo | None = None) -> str:
        """The zone's name for people: "heure de Paris" / "Paris time"."""
        key = str(getattr(tz or PARIS, "key", tz))
        return self._name(ZONE_NAMES, key) if key in ZONE_NAMES else key

    @memoized
    def datetime(self, when: datetime, style: str = "long", tz: tzinfo | None = None,
                 zone: bool = False) -> str:
        """``long``: "dimanche 4 août 2024 à 20:00" / "Sunday, August 4, 2024 at 8:00 PM";
        ``short``: "dim. 4 août 2024, 20:00"; ``numeric``: "04/08/2024 20:00" (tables);
        ``seconds``: the numeric form with seconds (logs). ``zone`` adds the zone's name.
        """
        local = self.local(when, tz)
        clock = format_time(local, "short", locale=self.locale)
        if style == "long":
            text = self.translate(_("${date} at ${time}", mapping={
                "date": format_date(local, "full", locale=self.locale), "time": clock}))
        elif style == "short":
            text = self.translate(_("${date}, ${time}", mapping={
                "date": format_skeleton("yMMMEd", local, locale=self.locale), "time": clock}))
        elif style == "numeric":
            text = format_datetime(local, NUMERIC[self.locale][0], locale=self.locale)
        elif style == "seconds":
            text = format_datetime(local, NUMERIC[self.locale][1], locale=self.locale)
        else:
            raise ValueError(f"unknown style {style!r}: one of {DATETIME_STYLES}")
        return f"{text} ({self.zone(tz)})" if zone else text

    @memoized
    def date(self, when: date | datetime, style: str = "long", tz: tzinfo | None = None) -> str:
        """``long``: "4 août 2024"; ``short``: "dim. 4 août"; ``numeric``: "04/08/2024"."""
        day = self.local(when, tz).date() if isinstance(when, datetime) else when
        if style == "long":
            return format_date(day, "long", locale=self.locale)
        if style == "short":
            return format_skeleton("MMMEd", day, locale=self.locale)
        if style == "numeric":
            return format_date(day, NUMERIC[self.locale][2], locale=self.locale)
        if style == "day":  # a chart's axis: "04/08" / "4 Aug"
            return format_date(day, DAY_LABEL[self.locale], locale=self.locale)
        raise ValueError(f"unknown style {style!r}")

    @memoized
    def time(self, when: datetime, tz: tzinfo | None = None, zone: bool = False) -> str:
        """"20:00" / "8:00 PM"."""
        text = format_time(self.local(when, tz), "short", locale=self.locale)
        return f"{text} ({self.zone(tz)})" if zone else text

    def starts(self, event, style: str = "long") -> str:
        """When a session starts, in its venue's zone, with the zone's name:
        "mardi 4 août 2026 à 20:00 (heure de Paris)"."""
        return self.datetime(event.starts_at, style, tz=venue_zone(event.venue), zone=True)

    # -- names

    def offer_name(self, kind) -> str:
        return self._name(OFFER_NAMES, kind)

    def offer_seats(self, kind) -> str:
        """What the offer gives: "2 places côte à côte"."""
        return self._name(OFFER_SEATS, kind)

    def order_state(self, state) -> str:
        return self._name(ORDER_STATES, state)

    def ticket_state(self, state) -> str:
        return self._name(TICKET_STATES, state)

    def ticket_state_staff(self, state) -> str:
        return self._name(TICKET_STATES_STAFF, state)

    def ticket_state_agent(self, state) -> str:
        return self._name(TICKET_STATES_AGENT, state)

    def payment_status(self, status) -> str:
        return self._name(PAYMENT_STATUSES, status)

    def refund_status(self, status) -> str:
        return self._name(REFUND_STATUSES, status)

    def refund_reason(self, reason) -> str:
        return self._name(REFUND_REASONS, reason)

    def ticket_reason(self, reason) -> str:
        return self._name(TICKET_REASONS, reason)

    def card(self, brand, last4) -> str:
        """"VISA •••• 4242", or "" when the provider did not say."""
        return f"{(brand or '').upper()} •••• {last4}".strip() if last4 else (brand or "").upper()

    def role(self, role) -> str:
        return self._name(ROLE_NAMES, role)

    def anomaly(self, kind) -> str:
        return self._name(ANOMALY_NAMES, kind)


def venue_zone(venue) -> tzinfo:
    """The time zone of a venue (Paris when it names none)."""
    name = getattr(venue, "tz", None)
    return ZoneInfo(name) if name else PARIS
