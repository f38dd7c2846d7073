"""New events made in the back office: a draft session, its offers and prices.

An editor creates a session as a draft Event (its resource's ACL hides it
from the public) with a content item holding its texts; the item goes
through the same workflow as any text, and approving it publishes the Event
(``resources/workflow.py``). Until then the editor may still change every
detail; once published, only the texts go through the workflow (seats may
be sold by then).
"""
from decimal import Decimal
from pathlib import Path

from sqlalchemy import or_, select

from ..i18n import PARIS
from ..models.catalogue import OFFER_SEATS, Event, EventState, Offer, OfferKind, Sport, Venue
from ..models.content import ContentKind
from . import content, waiting_room
from .text import slugify

SPORT_IMAGES = Path(__file__).resolve().parent.parent / "static" / "img" / "sports"
PRICE_FIELDS = {OfferKind.SOLO: "price_solo", OfferKind.DUO: "price_duo",
                OfferKind.FAMILY: "price_family"}


# --- what the form offers ----------------------------------------------------

def sport_choices(request):
    """[(id, name)] of every sport, by name in the person's language."""
    lang = content.lang_of(request)
    rows = request.dbsession.scalars(select(Sport)).all()
    return sorted(((s.id, s.name(lang)) for s in rows), key=lambda row: row[1].casefold())


def venue_choices(request):
    """[(id, "name (city)", capacity)] of every venue, by name."""
    lang = content.lang_of(request)
    rows = request.dbsession.scalars(select(Venue)).all()
    return sorted(((v.id, f"{v.name(lang)} ({v.city})", v.capacity) for v in rows),
                  key=lambda row: row[1].casefold())


def venue_capacity(request, venue_id):
    return request.dbsession.scalar(select(Venue.capacity).where(Venue.id == venue_id))


def sport_images():
    """File names of the shipped sport pictures (static/img/sports/)."""
    return sorted(p.name for p in SPORT_IMAGES.glob("*.svg"))


def sport_image_choices(request):
    """(file name, what the picture shows in the reader's language), by that name.

    A picture is named after the sport whose icon it is; one no sport uses
    keeps its file name, made readable.
    """
    lang = content.lang_of(request)
    names = {sport.icon: sport.name(lang) for sport in request.dbsession.scalars(select(Sport))}
    choices = [(name, names.get(name) or name.removesuffix(".svg").replace("-", " ").capitalize())
               for name in sport_images()]
    return sorted(choices, key=lambda choice: choice[1].casefold())


# --- making and changing a draft ---------------------------------------------

def is_draft_event(item):
    """Whether ``item`` holds the texts of a session not yet approved."""
    return item.kind == ContentKind.EVENT and item.event is not None and \
        item.event.state == EventState.DRAFT


def _unique_slug(request, title):
    base = slugify(title) or "event"
    taken = set(request.dbsession.scalars(
        select(Event.slug).where(or_(Event.slug == base, Event.slug.like(base + "-%")))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _new_code(request, starts_at):
    prefix = f"NEW-{starts_at.astimezone(PARIS):%Y%m%d}-"
    taken = set(request.dbsession.scalars(select(Event.code).where(Event.code.like(prefix + "%"))))
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _set_event(request, event, data):
    """Copy the form's details onto a draft event and its offers."""
    sport = request.dbsession.get(Sport, data["sport_id"])
    event.sport, event.venue = sport, request.dbsession.get(Venue, data["venue_id"])
    event.starts_at, event.ends_at = data["starts_at"], data["ends_at"]
    event.image = f"sports/{data['image'] or sport.icon}"
    # Nothing is sold while the event is a draft (its ACL refuses TICKET_BUY),
    # so the seats can be set outright here.
    event.capacity = event.seats_left = data["capacity"]
    event.self_cancel = bool(data.get("self_cancel"))
    waiting_room.set_opening(request, event, data.get("onsale_at"), data.get("admission_rate"),
                             data.get("sale_phase") or None)
    event.phone_only = bool(data.get("phone_only"))
    event.tickets_visible_before = data.get("tickets_visible_before")
    existing = {offer.kind: offer for offer in event.offers}
    for kind, field in PRICE_FIELDS.items():
        price = data[field]
        offer = existing.get(kind)
        if price is None:
            if offer is not None:
                event.offers.remove(offer)
        elif offer is None:
            event.offers.append(Offer(kind=kind, seats=OFFER_SEATS[kind], price_cents=int(price * 100)))
        else:
            offer.price_cents = int(price * 100)


def new_event(request, data):
    """A draft Event with its offers, and the content item that will publish it."""
    event = Event(slug=_unique_slug(request, data["title_en"]),
                  code=_new_code(request, data["starts_at"]), state=EventState.DRAFT,
                  title_fr=data["title_fr"].strip(), title_en=data["title_en"].strip(),
                  description_fr=data["body_fr"].strip(), description_en=data["body_en"].strip())
    _set_event(request, event, data)
    request.dbsession.add(event)
    request.dbsession.flush()
    return content.new_item(request, ContentKind.EVENT, data, event=event)


def save_event(request, item, data):
    """Change a draft event's details and its working texts."""
    _set_event(request, item.event, data)
    content.save_item(request, item, data)


def event_form_values(item):
    """A draft event's details and working texts, as its form shows them."""
    event = item.event
    values = content.form_values(item)
    values.update(sport_id=event.sport_id, venue_id=event.venue_id, starts_at=event.starts_at,
                  ends_at=event.ends_at, capacity=event.capacity, self_cancel=event.self_cancel,
                  phone_only=event.phone_only, tickets_visible_before=event.tickets_visible_before,
                  image=event.image.removeprefix("sports/"), onsale_at=event.onsale_at,
                  admission_rate=event.admission_rate, sale_phase=event.sale_phase)
    prices = {offer.kind: offer.price_cents for offer in event.offers}
    for kind, field in PRICE_FIELDS.items():
        if kind in prices:
            values[field] = Decimal(prices[kind]) / 100
    return values
