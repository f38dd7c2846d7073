"""Demo catalogue: sports, venues, published sessions and their offers.

``seed(request)`` loads the shipped Paris 2024 data (``seed/schedule.py``)
moved into the coming weeks, one session on today and open now, one starting
later today whose gates are already open (buy it, then scan it). Idempotent:
rows are found by their natural keys (sport and venue slugs, session code),
so a second run adds nothing; it moves the dates again (today's session
stays open "now") and refreshes names and prices.

Seats: a session that has sold nothing gets the shipped capacity back; one
that has sold seats keeps them sold (``capacity - seats_left`` unchanged),
and the change is one relative UPDATE so a sale running at the same moment
is never overwritten.
"""
from datetime import timedelta

from sqlalchemy import select, update

from ..models import Event, EventState, Offer, OfferKind, Sport, Venue
from ..models.catalogue import OFFER_SEATS
from ..interfaces import IClock
from ..services.text import slugify
from . import schedule


def seed(request):
    db = request.dbsession
    now = request.find_service(IClock).now()
    sports = {s.slug: s for s in db.scalars(select(Sport))}
    for row in schedule.load_sports():
        sport = sports.get(row.slug) or Sport(slug=row.slug)
        sport.name_fr, sport.name_en, sport.icon = row.name_fr, row.name_en, row.icon
        sports[row.slug] = sport
        db.add(sport)
    venues = {v.slug: v for v in db.scalars(select(Venue))}
    for row in schedule.load_venues():
        venue = venues.get(row.slug) or Venue(slug=row.slug)
        venue.name_fr, venue.name_en, venue.city, venue.address = row.name_fr, row.name_en, row.city, row.address
        venue.capacity, venue.lat, venue.lon, venue.tz = row.capacity, row.lat, row.lon, row.tz
        venues[row.slug] = venue
        db.add(venue)
    db.flush()

    events = {e.code: e for e in db.scalars(select(Event))}
    slugs = {e.slug for e in events.values()}
    for session, start, end in schedule.demo_schedule(schedule.load_sessions(), now, soon_in=soon_in(request)):
        sport, venue = sports[session.sport_slug], venues[session.venue_slug]
        event = events.get(session.code)
        if event is None:
            slug = slugify(session.title_en)
            if slug in slugs:
                slug = f"{slug[:100]}-{session.code.lower()}"
            slugs.add(slug)
            event = Event(code=session.code, slug=slug, state=EventState.PUBLISHED,
                          capacity=session.capacity, seats_left=session.capacity)
            db.add(event)
        else:
            _resize(db, event, session.capacity)
        event.sport, event.venue = sport, venue
        event.title_fr, event.title_en = session.title_fr, session.title_en
        event.description_fr, event.description_en = _descriptions(session, sport, venue)
        event.starts_at, event.ends_at = start, end
        event.medal_session = session.medal_session
        event.image = f"sports/{sport.icon}"
        _offers(event, session)
    db.flush()


def soon_in(request):
    """How long before the "soon" session starts: inside the gates' opening time.

    Two thirds of ``olympix.gate.opens_before`` (2 h with the default 3 h), at
    least 15 minutes so it can still be bought.
    """
    opens_before = timedelta(minutes=request.registry.settings["olympix.gate.opens_before"])
    return max(timedelta(minutes=15), opens_before * 2 / 3)


def _resize(db, event, capacity):
    """Give the session ``capacity`` seats, keeping the ones already sold."""
    sold = event.capacity - event.seats_left
    capacity = max(capacity, sold)
    if capacity == event.capacity:
        return
    # seats_left first: MariaDB evaluates SET left to right with new values.
    db.execute(
        update(Event).where(Event.id == event.id)
        .where(Event.seats_left + (capacity - Event.capacity) >= 0)
        .ordered_values((Event.seats_left, Event.seats_left + (capacity - Event.capacity)),
                        (Event.capacity, capacity))
        .execution_options(synchronize_session=False)
    )
    db.refresh(event, ["capacity", "seats_left"])


def _offers(event, session):
    prices = {OfferKind.SOLO: session.price_solo, OfferKind.DUO: session.price_duo,
              OfferKind.FAMILY: session.price_family}
    existing = {o.kind: o for o in event.offers}
    for kind, price in prices.items():
        offer = existing.get(kind)
        if offer is None:
            event.offers.append(Offer(kind=kind, seats=OFFER_SEATS[kind], price_cents=price))
        else:
            offer.price_cents = price


def _descriptions(session, sport, venue):
    fr = (f"Une session des Jeux de Paris 2024 ({sport.name_fr}) au site « {venue.name_fr} », "
          f"à {venue.city}. ")
    en = f"A session of the Paris 2024 Games ({sport.name_en}) at {venue.name_en}, {venue.city}. "
    if session.medal_session:
        fr += "Session à médailles : les podiums sont remis sur place à la fin des épreuves."
        en += "Medal session: the medals are awarded on site at the end of the competition."
    else:
        fr += "Arrivez tôt : les contrôles de sécurité prennent du temps aux abords du site."
        en += "Come early: security checks around the venue take time."
    return fr, en
