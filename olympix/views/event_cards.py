"""What a session's card and its page show, ready for the templates.

The service says where a session stands (``catalogue.sale_status``); here it
becomes a badge, and the session's facts become text in the reader's
language and the venue's time zone.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyramid.traversal import quote_path_segment

from ..formatting import venue_zone
from ..i18n import _
from ..services import catalogue
from ..services.catalogue import SaleStatus

#: (badge class, text) for each status; FEW_LEFT's text counts the seats.
BADGES = {
    SaleStatus.ON_SALE: ("badge-ok", _("On sale")),
    SaleStatus.FEW_LEFT: ("badge-warn", _("Only ${count} seats left")),
    SaleStatus.SOLD_OUT: ("badge-muted", _("Sold out")),
    SaleStatus.OPENS_LATER: ("badge-warn", _("Sales open ${when}")),
    SaleStatus.IN_PROGRESS: ("badge-muted", _("In progress: sales are closed")),
    SaleStatus.OVER: ("badge-muted", _("This session is over")),
    SaleStatus.UNPUBLISHED: ("badge-muted", _("Not published")),
}


@dataclass(frozen=True)
class Badge:
    css: str
    text: str


@dataclass(frozen=True)
class EventCard:
    """One session as the catalogue shows it (a card, the head of its page)."""

    event: object  # the row, for what the templates read as is (slug, medal_session…)
    url: str
    title: str
    description: str
    sport: str
    venue: str
    address: str
    city: str
    when: str
    when_short: str
    ends: str
    image: str
    status: SaleStatus
    badge: Badge
    lowest_price: str | None
    bookable: bool  # on sale with seats: the card offers "Book"


def badge(request, event, status) -> Badge:
    css, text = BADGES[status]
    when = request.fmt.datetime(event.onsale_at, "short") if event.onsale_at is not None else ""
    return Badge(css, request.fmt.translate(_(text, mapping={"count": request.fmt.count(event.seats_left),
                                                             "when": when})))


#: Images' addresses kept per process (site address × picture); then they start again.
IMAGES_KEPT = 1024


@dataclass(frozen=True)
class _Shared:
    """What every card of a page shares: worked out once a page, not once a card."""

    lang: str
    events_url: str  # ends with "/": a session's address is this and its quoted slug
    images: dict  # picture → its address, for this site address


def _shared(request) -> _Shared:
    kept = request.registry.setdefault("olympix.card_images", {})
    if len(kept) >= IMAGES_KEPT:  # the site address comes from the visitor's Host header: bounded
        kept.clear()
    return _Shared(catalogue.lang(request), request.resource_url(request.root, "events") + "/",
                   kept.setdefault(request.application_url, {}))


def _image(request, event, shared) -> str:
    picture = catalogue.image_path(event)
    url = shared.images.get(picture)
    if url is None:
        url = shared.images[picture] = catalogue.image_url(request, event)
    return url


def event_cards(request, events) -> list[EventCard]:
    """The cards of a page of sessions (the search page, the home page)."""
    shared = _shared(request)
    return [event_card(request, event, shared=shared) for event in events]


def event_card(request, event, with_description=False, shared=None) -> EventCard:
    """``with_description``: the event page's head (cards show none, and their rows do not carry it)."""
    shared = shared or _shared(request)
    fmt, lang, tz = request.fmt, shared.lang, venue_zone(event.venue)
    status = catalogue.sale_status(request, event)
    lowest = catalogue.lowest_price(event)
    return EventCard(
        event=event,
        # What request.resource_url(request.root, "events", slug) says, without its work per card.
        url=shared.events_url + quote_path_segment(event.slug),
        title=event.title(lang),
        description=event.description(lang) if with_description else "",
        sport=event.sport.name(lang),
        venue=event.venue.name(lang),
        address=event.venue.address or event.venue.city,
        city=event.venue.city,
        when=fmt.datetime(event.starts_at, tz=tz),
        when_short=fmt.datetime(event.starts_at, "short", tz=tz),
        ends=fmt.time(event.ends_at, tz=tz, zone=True),
        image=_image(request, event, shared),
        status=status,
        badge=badge(request, event, status),
        lowest_price=fmt.money(lowest) if lowest is not None else None,
        bookable=status in (SaleStatus.ON_SALE, SaleStatus.FEW_LEFT),
    )


@dataclass(frozen=True)
class OfferRow:
    offer: object
    name: str
    seats_text: str
    price: str
    available: bool


def offer_rows(request, event) -> list[OfferRow]:
    fmt = request.fmt
    return [OfferRow(offer=o, name=fmt.offer_name(o.kind), seats_text=fmt.offer_seats(o.kind),
                     price=fmt.money(o.price_cents), available=catalogue.offer_available(event, o))
            for o in event.offers]
