"""The catalogue as people search it: queries, prices, dates, seats-left hints.

Views call these helpers instead of building queries; the booking, ticket and
back-office areas reuse :func:`format_price` and :func:`format_when` so money
and dates read the same everywhere.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from ..i18n import PARIS, _, translate
from ..models import Event, EventState, Offer, Sport, Venue
from .clock import now

PER_PAGE = 12
#: At or under this many seats (or 10 % of the session), the hint warns.
FEW_SEATS = 20


def lang(request) -> str:
    return "fr" if request.locale_name == "fr" else "en"


# -- money and dates ---------------------------------------------------------

def format_price(request, cents: int) -> str:
    """Integer cents as the person reads euros: "45,00 €" (fr), "€45.00" (en)."""
    return format_currency(Decimal(cents) / 100, "EUR", locale=request.locale_name)


def format_count(request, number: int) -> str:
    """A count as the language writes it: "2 000" (fr), "2,000" (en)."""
    return format_decimal(number, locale=request.locale_name)


def format_when(request, when: datetime, style: str = "long") -> str:
    """An aware datetime in Paris local time, written for the language.

    ``style="long"``: "dimanche 4 août 2024 à 20:00" / "Sunday, August 4, 2024
    at 8:00 PM"; ``"short"``: "dim. 4 août 2024, 20:00" for cards and tables.
    """
    local = when.astimezone(PARIS)
    locale = request.locale_name
    clock = format_time(local, "short", locale=locale)
    if style == "short":
        day = format_skeleton("yMMMEd", local, locale=locale)
        return translate(request, _("${date}, ${time}", mapping={"date": day, "time": clock}))
    day = format_date(local, "full", locale=locale)
    return translate(request, _("${date} at ${time}", mapping={"date": day, "time": clock}))


def format_time_of_day(request, when: datetime) -> str:
    return format_time(when.astimezone(PARIS), "short", locale=request.locale_name)


# -- what the public sees ----------------------------------------------------

def public_clause(current: datetime):
    """Published sessions that have not ended: what the catalogue lists."""
    return (Event.state == EventState.PUBLISHED) & (Event.ends_at > current)


def sports(request) -> list[Sport]:
    rows = request.dbsession.scalars(select(Sport)).all()
    return sorted(rows, key=lambda s: s.name(lang(request)).casefold())


def venues(request) -> list[Venue]:
    rows = request.dbsession.scalars(select(Venue)).all()
    return sorted(rows, key=lambda v: v.name(lang(request)).casefold())


def cities(request) -> list[str]:
    return sorted(request.dbsession.scalars(select(Venue.city).distinct()).all(), key=str.casefold)


def upcoming(request, limit: int = 3) -> list[Event]:
    """The next sessions on sale, for the home page."""
    query = (select(Event).where(public_clause(now(request)))
             .order_by(Event.starts_at, Event.id).limit(limit)
             .options(selectinload(Event.offers)))
    return list(request.dbsession.scalars(query))


@dataclass
class Page:
    """One page of results: ``items``, ``number`` (1-based), ``pages``, ``total``."""

    items: list[Event]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages

    def window(self, around: int = 2):
        """Page numbers to link, with None where a gap goes: 1 … 4 5 6 … 12."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        out, last = [], 0
        for n in numbers:
            if n - last > 1:
                out.append(None)
            out.append(n)
            last = n
        return out


def search_clauses(request, filters: dict) -> list:
    """SQL conditions for the parsed filters (see ``schemas.catalogue``)."""
    clauses = [public_clause(now(request))]
    if sport := filters.get("sport"):
        clauses.append(Event.sport.has(Sport.slug == sport))
    if venue := filters.get("venue"):
        clauses.append(Event.venue.has(Venue.slug == venue))
    if city := filters.get("city"):
        clauses.append(Event.venue.has(Venue.city == city))
    # Dates are Paris calendar days: from 00:00 on "from" to 24:00 on "to".
    if start := filters.get("from"):
        clauses.append(Event.starts_at >= datetime.combine(start, time(), tzinfo=PARIS))
    if end := filters.get("to"):
        clauses.append(Event.starts_at < datetime.combine(end + timedelta(days=1), time(), tzinfo=PARIS))
    if text := filters.get("q"):
        clauses.append(or_(Event.title_fr.ilike(_like(text), escape="\\"),
                           Event.title_en.ilike(_like(text), escape="\\")))
    offer = [Offer.event_id == Event.id]
    if kind := filters.get("offer"):
        offer.append(Offer.kind == kind)
    if (max_price := filters.get("max_price")) is not None:
        offer.append(Offer.price_cents <= int(max_price * 100))
    if filters.get("seats"):
        # "Seats left" means at least one offer can still be bought whole.
        offer.append(Offer.seats <= Event.seats_left)
    if len(offer) > 1:
        clauses.append(exists().where(*offer))
    return clauses


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(request, filters: dict, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Published, not-ended sessions matching ``filters``, by date, one page.

    A page past the end shows the last one, so an old shared link still
    lands on results.
    """
    clauses = search_clauses(request, filters)
    total = request.dbsession.scalar(select(func.count(Event.id)).where(*clauses))
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, page), pages)
    query = (select(Event).where(*clauses).order_by(Event.starts_at, Event.id)
             .limit(per_page).offset((number - 1) * per_page)
             .options(selectinload(Event.offers)))
    return Page(list(request.dbsession.scalars(query)), number, pages, total)


# -- what a card or an event page says ---------------------------------------

def lowest_price(event: Event) -> int | None:
    """The cheapest offer of the session, in cents (None without offers)."""
    return min((o.price_cents for o in event.offers), default=None)


def offer_available(event: Event, offer: Offer) -> bool:
    return event.seats_left >= offer.seats


def is_over(request, event: Event) -> bool:
    return event.ends_at <= now(request)


@dataclass(frozen=True)
class SeatsHint:
    css: str  # badge class
    text: str  # translated


def seats_hint(request, event: Event) -> SeatsHint:
    """A badge for the seats left: sold out, only a few left, or available."""
    left = event.seats_left
    if left <= 0:
        return SeatsHint("badge-muted", translate(request, _("Sold out")))
    if left <= max(FEW_SEATS, event.capacity // 10):
        return SeatsHint("badge-warn", translate(request, _("Only ${count} seats left", mapping={"count": format_count(request, left)})))
    return SeatsHint("badge-ok", translate(request, _("Available")))


OFFER_NAMES = {"solo": _("Solo"), "duo": _("Duo"), "family": _("Family")}
OFFER_DESCRIPTIONS = {"solo": _("1 seat"), "duo": _("2 seats side by side"),
                      "family": _("4 seats side by side")}


def offer_name(request, kind: str) -> str:
    return translate(request, OFFER_NAMES.get(kind, kind))


def offer_description(request, kind: str) -> str:
    return translate(request, OFFER_DESCRIPTIONS.get(kind, ""))


def image_url(request, event: Event) -> str:
    """The session's picture: ``event.image`` under static/img/, else its sport's."""
    image = event.image or f"sports/{event.sport.icon}"
    return request.static_url(f"olympix:static/img/{image}")
