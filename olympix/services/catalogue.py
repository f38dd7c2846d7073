"""The catalogue as people search it: the queries, and where each session stands.

Views call these instead of building queries; how a price or a date reads is
olympix/formatting.py's business, what a card shows is views/event_cards.py's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import Enum

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import defer, selectinload

from ..i18n import PARIS
from ..models import Event, EventState, ListingState, Offer, ResaleListing, Sport, Venue
from .clock import now

PER_PAGE = 12
#: At or under this many seats (or 10 % of the session), the hint warns.
FEW_SEATS = 20


def lang(request) -> str:
    return "fr" if request.locale_name == "fr" else "en"


# -- what the public sees ----------------------------------------------------

def public_clause(current: datetime):
    """Published sessions that have not ended: what the catalogue lists."""
    return (Event.state == EventState.PUBLISHED) & (Event.ends_at > current)


@dataclass(frozen=True)
class Choice:
    """A sport or a venue as the search form lists it (no ORM row: shared by requests)."""

    slug: str
    name_fr: str
    name_en: str
    city: str = ""

    def name(self, lang):
        return self.name_fr if lang == "fr" else self.name_en


def _reference(request):
    """``(sports, venues)`` as Choices, read at most once a ``reference_ttl`` per process.

    Every search page lists them; they change when an administrator adds a
    venue, not between two visitors: this keeps two queries off each search
    page (issue 11.2). 0 seconds: read them every time (the tests).
    """
    ttl = request.registry.settings.get("olympix.catalogue.reference_ttl", 60)
    current = now(request)
    cached = request.registry.get("olympix.catalogue.reference")
    if cached is not None and ttl > 0 and timedelta(0) <= current - cached[0] < timedelta(seconds=ttl):
        return cached[1]
    sports_ = tuple(Choice(s.slug, s.name_fr, s.name_en) for s in request.dbsession.scalars(select(Sport)))
    venues_ = tuple(Choice(v.slug, v.name_fr, v.name_en, v.city) for v in request.dbsession.scalars(select(Venue)))
    request.registry["olympix.catalogue.reference"] = (current, (sports_, venues_))
    return sports_, venues_


def sports(request) -> list[Choice]:
    return sorted(_reference(request)[0], key=lambda s: s.name(lang(request)).casefold())


def venues(request) -> list[Choice]:
    return sorted(_reference(request)[1], key=lambda v: v.name(lang(request)).casefold())


def cities(request) -> list[str]:
    return sorted({v.city for v in _reference(request)[1]}, key=str.casefold)


#: A card shows no description: the two long texts stay in the database
#: (read only if something asks, which no card does: ``event_card``).
CARD_ONLY = (defer(Event.description_fr, raiseload=True), defer(Event.description_en, raiseload=True))


def upcoming(request, limit: int = 3) -> list[Event]:
    """The next sessions on sale (not started yet), for the home page."""
    current = now(request)
    query = (select(Event).where(public_clause(current), Event.starts_at > current)
             .order_by(Event.starts_at, Event.id).limit(limit)
             .options(selectinload(Event.offers), *CARD_ONLY))
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
        # "Seats left" means on sale (not started) with at least one offer
        # that can still be bought whole.
        # A ticket on the official resale counts too (services/resale.py).
        clauses.append(Event.starts_at > now(request))
        on_resale = exists().where(ResaleListing.event_id == Event.id, ResaleListing.state == ListingState.OPEN)
        offer.append(or_(Offer.seats <= Event.seats_left, on_resale))
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
    number = max(1, page)
    # The page and the number of matches in one statement (a window count),
    # the offers of the page's sessions in a second: no count query, no
    # per-card query (issue 11.2).
    rows = _page_rows(request, clauses, number, per_page)
    if rows:
        total = rows[0][1]
    else:
        total = request.dbsession.scalar(select(func.count(Event.id)).where(*clauses)) if number > 1 else 0
        if total:  # past the end: the last page
            number = math.ceil(total / per_page)
            rows = _page_rows(request, clauses, number, per_page)
    return Page([event for event, _total in rows], number, max(1, math.ceil(total / per_page)), total)


def _page_rows(request, clauses, number, per_page):
    query = (select(Event, func.count().over().label("total")).where(*clauses)
             .order_by(Event.starts_at, Event.id).limit(per_page).offset((number - 1) * per_page)
             .options(selectinload(Event.offers), *CARD_ONLY))
    return request.dbsession.execute(query).all()


# -- what a card or an event page says ---------------------------------------

def lowest_price(event: Event) -> int | None:
    """The cheapest offer of the session, in cents (None without offers)."""
    return min((o.price_cents for o in event.offers), default=None)


def offer_available(event: Event, offer: Offer) -> bool:
    return event.seats_left >= offer.seats


class SaleStatus(str, Enum):
    """Where a session stands for a buyer: what its card, badge and filters say."""

    ON_SALE = "on_sale"
    FEW_LEFT = "few_left"
    SOLD_OUT = "sold_out"
    OPENS_LATER = "opens_later"  # an on-sale opening to come (the waiting room, issue 11)
    IN_PROGRESS = "in_progress"  # started: sales are closed, the session is on
    OVER = "over"
    UNPUBLISHED = "unpublished"  # staff preview only


def sale_status(request, event: Event) -> SaleStatus:
    """The truth about a session now: tickets are sold until it starts."""
    current = now(request)
    if event.state != EventState.PUBLISHED:
        return SaleStatus.UNPUBLISHED
    if event.ends_at <= current:
        return SaleStatus.OVER
    if event.starts_at <= current:
        return SaleStatus.IN_PROGRESS
    if event.onsale_at is not None and current < event.onsale_at:
        return SaleStatus.OPENS_LATER
    if event.seats_left <= 0 or (event.offers and not any(offer_available(event, o) for o in event.offers)):
        return SaleStatus.SOLD_OUT
    if event.seats_left <= max(FEW_SEATS, event.capacity // 10):
        return SaleStatus.FEW_LEFT
    return SaleStatus.ON_SALE


def is_over(request, event: Event) -> bool:
    return event.ends_at <= now(request)


def image_url(request, event: Event) -> str:
    """The session's picture: ``event.image`` under static/img/, else its sport's."""
    image = event.image or f"sports/{event.sport.icon}"
    return request.static_url(f"olympix:static/img/{image}")
