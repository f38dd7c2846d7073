"""Sports, venues and events with their Solo/Duo/Family offers."""
import itertools
from datetime import timedelta

from sqlalchemy import select

from olympix.models import Event, EventState, Offer, Sport, Venue

_numbers = itertools.count(1)

SPORTS = {
    "athletics": ("Athlétisme", "Athletics"),
    "swimming": ("Natation", "Swimming"),
    "judo": ("Judo", "Judo"),
    "basketball": ("Basketball", "Basketball"),
}
VENUES = {
    "stade-de-france": ("Stade de France", "Stade de France", "Saint-Denis",
                        "ZAC du Cornillon Nord, 93216 Saint-Denis", 77083),
    "aquatics-centre": ("Centre Aquatique Olympique", "Aquatics Centre", "Saint-Denis", "", None),
    "champ-de-mars-arena": ("Arena Champ-de-Mars", "Champ-de-Mars Arena", "Paris",
                            "Place Joffre, 75007 Paris", 8000),
    "bercy-arena": ("Arena Bercy", "Bercy Arena", "Paris", "8 boulevard de Bercy, 75012 Paris", 15000),
}
OFFERS = (("solo", 1), ("duo", 2), ("family", 4))


def sport(dbsession, slug="athletics", name_fr=None, name_en=None):
    """The sport with ``slug``, made if missing (names from SPORTS, or the slug)."""
    found = dbsession.scalar(select(Sport).where(Sport.slug == slug))
    if found is not None:
        return found
    fr, en = SPORTS.get(slug.split("-")[0], (slug.title(), slug.title()))
    row = Sport(slug=slug, name_fr=name_fr or fr, name_en=name_en or en, icon=f"{slug.split('-')[0]}.svg")
    dbsession.add(row)
    return row


def venue(dbsession, slug="stade-de-france", **columns):
    """The venue with ``slug``, made if missing (facts from VENUES, or made up)."""
    found = dbsession.scalar(select(Venue).where(Venue.slug == slug))
    if found is not None:
        return found
    fr, en, city, address, capacity = VENUES.get(slug, (slug.title(), slug.title(), "Paris", "", 10000))
    values = dict(slug=slug, name_fr=fr, name_en=en, city=city, address=address, capacity=capacity)
    values.update(columns)
    row = Venue(**values)
    dbsession.add(row)
    return row


def event(dbsession, starts_at, *, hours=3, slug=None, code=None, sport_slug="athletics",
          venue_slug="stade-de-france", title_fr=None, title_en=None, description_fr="",
          description_en="", capacity=50, seats_left=None, prices=(4500, 8000, 15000),
          state=EventState.PUBLISHED, **columns):
    """A session with its offers; ``prices`` are Solo, Duo, Family in cents (None: not sold)."""
    n = next(_numbers)
    row = Event(slug=slug or f"{sport_slug}-session-{n}", code=code or f"T-{n:05d}",
                sport=sport(dbsession, sport_slug), venue=venue(dbsession, venue_slug),
                title_fr=title_fr or f"Athlétisme — session {n}", title_en=title_en or f"Athletics — session {n}",
                description_fr=description_fr, description_en=description_en,
                starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), capacity=capacity,
                seats_left=capacity if seats_left is None else seats_left, state=state, **columns)
    for (kind, seats), price in zip(OFFERS, prices):
        if price:
            row.offers.append(Offer(kind=kind, seats=seats, price_cents=price))
    dbsession.add(row)
    dbsession.flush()
    return row
