"""The catalogue as people search it: the queries, and where each session stands.

Views call these instead of building queries; how a price or a date reads is
olympix/formatting.py's business, what a card shows is views/event_cards.py's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, time, timedelta
from enum import Enum

from sqlalchemy import bindparam, exists, func, or_, select

from ..i18n import PARIS
from ..models import Event, EventState, ListingState, Offer, ResaleListing, Sport, Venue
from .clock import now

PER_PAGE = 12
#: At or under this many seats (or 10 % of the session), the hint warns.
FEW_SEATS = 20


def lang(request) -> str:
    return "fr" if request.locale_name == "fr" else "en"


# -- what the public sees ----------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """A sport or a venue as the search form and the cards show it (no ORM row: shared by requests)."""

    slug: str
    name_fr: str
    name_en: str
    city: str = ""
    id: int = 0
    icon: str = ""  # a sport's picture, under static/img/sports/
    address: str = ""  # a venue's
    tz: str = "Europe/Paris"  # a venue's time zone (formatting.venue_zone)

    def name(self, lang):
        return self.name_fr if lang == "fr" else self.name_en


@dataclass(frozen=True)
class Reference:
    """The sports and venues, as Choices, by slug order of the database and by id."""

    sports: tuple
    venues: tuple
    sport_by_id: dict
    venue_by_id: dict
    #: The lists as the search form shows them, sorted once per language.
    by_name: dict = field(default_factory=dict)

    def sorted(self, what, lang):
        """``what`` ("sports", "venues", "cities") in the reader's alphabetical order."""
        key = (what, lang)
        if key not in self.by_name:
            if what == "cities":
                self.by_name[key] = sorted({v.city for v in self.venues}, key=str.casefold)
            else:
                self.by_name[key] = sorted(getattr(self, what), key=lambda c: c.name(lang).casefold())
        return self.by_name[key]


def _reference(request, fresh=False) -> Reference:
    """The sports and venues, read at most once a ``reference_ttl`` per process.

    Every search page lists them and every card names one of each; they
    change when an administrator adds a venue, not between two visitors:
    this keeps them off each page's statements (issue 11.2). 0 seconds: read
    them every time (the tests). ``fresh``: read them now (a card names a
    sport or a venue added since).
    """
    ttl = request.registry.settings.get("olympix.catalogue.reference_ttl", 60)
    current = now(request)
    cached = request.registry.get("olympix.catalogue.reference")
    if (not fresh and cached is not None and ttl > 0
            and timedelta(0) <= current - cached[0] < timedelta(seconds=ttl)):
        return cached[1]
    sports_ = tuple(Choice(s.slug, s.name_fr, s.name_en, id=s.id, icon=s.icon)
                    for s in request.dbsession.scalars(select(Sport)))
    venues_ = tuple(Choice(v.slug, v.name_fr, v.name_en, v.city, id=v.id, address=v.address or "", tz=v.tz or "")
                    for v in request.dbsession.scalars(select(Venue)))
    reference = Reference(sports_, venues_, {s.id: s for s in sports_}, {v.id: v for v in venues_})
    request.registry["olympix.catalogue.reference"] = (current, reference)
    return reference


def sports(request) -> list[Choice]:
    return list(_reference(request).sorted("sports", lang(request)))


def venues(request) -> list[Choice]:
    return list(_reference(request).sorted("venues", lang(request)))


def cities(request) -> list[str]:
    return list(_reference(request).sorted("cities", lang(request)))


#: The columns a card reads (Core, no ORM object): never the two long descriptions.
EVENTS, OFFERS, LISTINGS = Event.__table__.c, Offer.__table__.c, ResaleListing.__table__.c
CARD_COLUMNS = ("id", "slug", "sport_id", "venue_id", "title_fr", "title_en", "starts_at", "ends_at", "image",
                "medal_session", "capacity", "seats_left", "state", "onsale_at")
#: What a card says of the offers (its "from" price, whether one still fits the seats left),
#: computed by the database for the page's sessions only.
OFFER_FIGURES = (
    select(func.min(OFFERS.price_cents)).where(OFFERS.event_id == EVENTS.id).scalar_subquery().label("lowest_cents"),
    select(func.min(OFFERS.seats)).where(OFFERS.event_id == EVENTS.id).scalar_subquery().label("fewest_seats"),
)


@dataclass(frozen=True, slots=True)
class CardEvent:
    """A session as a card shows it: its row's card columns, its sport and venue, its offers' figures.

    A page of cards is one Core statement (issue 11: the ORM's load of the
    events, their sport, venue and offers was half of a search page); the
    names of sports and venues come from the per-process reference
    (``_reference``). The event page keeps the ORM row (``EventResource``).
    """

    id: int
    slug: str
    sport_id: int
    venue_id: int
    title_fr: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    image: str
    medal_session: bool
    capacity: int
    seats_left: int
    state: str
    onsale_at: datetime | None
    lowest_cents: int | None  # None: no offer
    fewest_seats: int | None
    sport: Choice
    venue: Choice

    def title(self, lang):
        return self.title_fr if lang == "fr" else self.title_en


def _card_select(clauses):
    return (select(*(EVENTS[name] for name in CARD_COLUMNS), *OFFER_FIGURES).where(*clauses)
            .order_by(EVENTS.starts_at, EVENTS.id))


def _cards(request, rows) -> list[CardEvent]:
    reference = _reference(request)
    if any(r.sport_id not in reference.sport_by_id or r.venue_id not in reference.venue_by_id for r in rows):
        reference = _reference(request, fresh=True)  # a sport or a venue added since the last read
    return [CardEvent(*row[:len(CARD_COLUMNS) + 2], sport=reference.sport_by_id[row.sport_id],
                      venue=reference.venue_by_id[row.venue_id]) for row in rows]


#: The home page's next sessions on sale (not started yet): one statement, built once.
UPCOMING = (_card_select([EVENTS.state == EventState.PUBLISHED, EVENTS.ends_at > bindparam("now"),
                          EVENTS.starts_at > bindparam("now")]).limit(bindparam("limit")))


def upcoming(request, limit: int = 3) -> list[CardEvent]:
    """The next sessions on sale (not started yet), for the home page."""
    return _cards(request, request.dbsession.execute(UPCOMING, {"now": now(request), "limit": limit}).all())


@dataclass
class Page:
    """One page of results: ``items``, ``number`` (1-based), ``pages``, ``total``."""

    items: list
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


#: The filters that change the search's SQL (the others only its values).
SHAPING = ("sport", "venue", "city", "from", "to", "q", "offer", "max_price", "seats")


@lru_cache(maxsize=128)
def search_statements(shape: frozenset):
    """``(page, count)``: the search's two statements for the filters named in ``shape``, with bind parameters.

    Built once per combination of filters (issue 11: building a statement
    and its cache key was a tenth of a search page); ``search_params`` gives
    their values.
    """
    clauses = [EVENTS.state == EventState.PUBLISHED, EVENTS.ends_at > bindparam("now")]
    if "sport" in shape:
        clauses.append(EVENTS.sport_id.in_(bindparam("sport_ids", expanding=True)))
    if "venue" in shape:
        clauses.append(EVENTS.venue_id.in_(bindparam("venue_ids", expanding=True)))
    if "city" in shape:
        clauses.append(EVENTS.venue_id.in_(bindparam("city_venue_ids", expanding=True)))
    if "from" in shape:
        clauses.append(EVENTS.starts_at >= bindparam("starts_from"))
    if "to" in shape:
        clauses.append(EVENTS.starts_at < bindparam("starts_before"))
    if "q" in shape:
        clauses.append(or_(EVENTS.title_fr.ilike(bindparam("q"), escape="\\"),
                           EVENTS.title_en.ilike(bindparam("q"), escape="\\")))
    offer = [OFFERS.event_id == EVENTS.id]
    if "offer" in shape:
        offer.append(OFFERS.kind == bindparam("kind"))
    if "max_price" in shape:
        offer.append(OFFERS.price_cents <= bindparam("max_cents"))
    if "seats" in shape:
        # "Seats left" means on sale (not started) with at least one offer
        # that can still be bought whole.
        # A ticket on the official resale counts too (services/resale.py).
        clauses.append(EVENTS.starts_at > bindparam("now"))
        # Correlated to the searched session explicitly: nested in the offers'
        # EXISTS, SQLAlchemy would not, and a listing of any session counted.
        on_resale = (exists().where(LISTINGS.event_id == EVENTS.id, LISTINGS.state == ListingState.OPEN)
                     .correlate(Event.__table__))
        offer.append(or_(OFFERS.seats <= EVENTS.seats_left, on_resale))
    if len(offer) > 1:
        clauses.append(exists().where(*offer))
    page = (_card_select(clauses).add_columns(func.count().over().label("total"))
            .limit(bindparam("limit")).offset(bindparam("offset")))
    return page, select(func.count(EVENTS.id)).where(*clauses)


def search_params(request, filters: dict) -> dict:
    """The values of the search's bind parameters for the parsed filters (see ``schemas.catalogue``).

    Sports and venues are named by slug and cities by name; the filters were
    checked against the reference, whose ids they stand for here.
    """
    params = {"now": now(request)}
    reference = _reference(request)
    if sport := filters.get("sport"):
        params["sport_ids"] = [s.id for s in reference.sports if s.slug == sport]
    if venue := filters.get("venue"):
        params["venue_ids"] = [v.id for v in reference.venues if v.slug == venue]
    if city := filters.get("city"):
        params["city_venue_ids"] = [v.id for v in reference.venues if v.city == city]
    # Dates are Paris calendar days: from 00:00 on "from" to 24:00 on "to".
    if start := filters.get("from"):
        params["starts_from"] = datetime.combine(start, time(), tzinfo=PARIS)
    if end := filters.get("to"):
        params["starts_before"] = datetime.combine(end + timedelta(days=1), time(), tzinfo=PARIS)
    if text := filters.get("q"):
        params["q"] = _like(text)
    if kind := filters.get("offer"):
        params["kind"] = kind
    if (max_price := filters.get("max_price")) is not None:
        params["max_cents"] = int(max_price * 100)
    return params


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(request, filters: dict, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Published, not-ended sessions matching ``filters``, by date, one page of CardEvents.

    A page past the end shows the last one, so an old shared link still
    lands on results.
    """
    page_query, count_query = search_statements(frozenset(name for name in SHAPING if filters.get(name)
                                                          or (name == "max_price" and name in filters)))
    params = search_params(request, filters)
    number = max(1, page)
    # The page, its offers' figures and the number of matches in one
    # statement (a window count): no count query, no per-card query (issue 11.2).
    rows = _page_rows(request, page_query, params, number, per_page)
    if rows:
        total = rows[0].total
    else:
        total = request.dbsession.scalar(count_query, params) if number > 1 else 0
        if total:  # past the end: the last page
            number = math.ceil(total / per_page)
            rows = _page_rows(request, page_query, params, number, per_page)
    return Page(_cards(request, rows), number, max(1, math.ceil(total / per_page)), total)


def _page_rows(request, query, params, number, per_page):
    return request.dbsession.execute(query, {**params, "limit": per_page,
                                             "offset": (number - 1) * per_page}).all()


# -- what a card or an event page says ---------------------------------------

def offer_figures(event) -> tuple[int | None, int | None]:
    """``(lowest price in cents, fewest seats)`` of the session's offers (None, None without offers).

    A card's session (``CardEvent``) carries them from its query; an ORM row
    (the event page) reads them from its offers.
    """
    if isinstance(event, CardEvent):
        return event.lowest_cents, event.fewest_seats
    return (min((o.price_cents for o in event.offers), default=None),
            min((o.seats for o in event.offers), default=None))


def lowest_price(event) -> int | None:
    """The cheapest offer of the session, in cents (None without offers)."""
    return offer_figures(event)[0]


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


def sale_status(request, event) -> SaleStatus:
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
    fewest = offer_figures(event)[1]
    if event.seats_left <= 0 or (fewest is not None and fewest > event.seats_left):  # no offer fits
        return SaleStatus.SOLD_OUT
    if event.seats_left <= max(FEW_SEATS, event.capacity // 10):
        return SaleStatus.FEW_LEFT
    return SaleStatus.ON_SALE


def is_over(request, event: Event) -> bool:
    return event.ends_at <= now(request)


def image_path(event) -> str:
    """The session's picture under static/img/: ``event.image``, else its sport's."""
    return event.image or f"sports/{event.sport.icon}"


def image_url(request, event) -> str:
    return request.static_url(f"olympix:static/img/{image_path(event)}")
