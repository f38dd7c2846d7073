"""Catalogue fixtures: a small hand-made catalogue, and the seeded demo one."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pyramid.scripting import prepare

from olympix.models import Event, EventState, Offer, Sport, Venue

PARIS = ZoneInfo("Europe/Paris")


def paris_day(clock, days):
    """The Paris calendar date ``days`` after today (by the app's clock)."""
    return clock.now().astimezone(PARIS).date() + timedelta(days=days)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def make_event(dbsession, slug, sport, venue, title_fr, title_en, starts_at, hours=2,
               prices=(4500, 8600, 16000), capacity=100, seats_left=None,
               state=EventState.PUBLISHED):
    event = Event(slug=slug, code=slug[:32].upper(), sport=sport, venue=venue,
                  title_fr=title_fr, title_en=title_en,
                  description_fr=f"Description de {title_fr}", description_en=f"About {title_en}",
                  starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                  capacity=capacity, seats_left=capacity if seats_left is None else seats_left,
                  state=state)
    for kind, seats, price in zip(("solo", "duo", "family"), (1, 2, 4), prices):
        if price:
            event.offers.append(Offer(kind=kind, seats=seats, price_cents=price))
    dbsession.add(event)
    return event


@pytest.fixture
def catalogue(testapp, dbsession, clock):
    """Six sessions; returns {name: slug} and the Paris days they fall on.

    Listed to the public, by date: ``live`` (on now), ``sprint`` (day 2,
    athletics, Saint-Denis), ``heats`` (day 5, swimming, sold out), ``judo``
    (day 10, Paris, 3 seats left, Solo only). Hidden: ``draft`` (day 3,
    unpublished) and ``old`` (ended yesterday).
    """
    athletics = Sport(slug="athletics", name_fr="Athlétisme", name_en="Athletics", icon="athletics.svg")
    swimming = Sport(slug="swimming", name_fr="Natation", name_en="Swimming", icon="swimming.svg")
    judo = Sport(slug="judo", name_fr="Judo", name_en="Judo", icon="judo.svg")
    sdf = Venue(slug="stade-de-france", name_fr="Stade de France", name_en="Stade de France",
                city="Saint-Denis", address="ZAC du Cornillon Nord, 93216 Saint-Denis", capacity=77083)
    pool = Venue(slug="aquatics-centre", name_fr="Centre Aquatique Olympique", name_en="Aquatics Centre",
                 city="Saint-Denis", address="", capacity=None)
    arena = Venue(slug="champ-de-mars-arena", name_fr="Arena Champ-de-Mars", name_en="Champ-de-Mars Arena",
                  city="Paris", address="Place Joffre, 75007 Paris", capacity=8000)
    dbsession.add_all([athletics, swimming, judo, sdf, pool, arena])
    now = clock.now()
    days = {n: paris_day(clock, n) for n in (2, 3, 5, 10)}
    make_event(dbsession, "live", athletics, sdf, "Athlétisme – Session du soir", "Athletics – Evening session",
               now - timedelta(minutes=30), hours=3, prices=(6000, 11500, 21000))
    make_event(dbsession, "sprint", athletics, sdf, "Athlétisme – Finale du 100 m hommes",
               "Athletics – Men's 100m final", at(days[2], 20, 30))
    make_event(dbsession, "heats", swimming, pool, "Natation – Séries du 400 m", "Swimming – 400m heats",
               at(days[5], 11), prices=(2500, 4800, 9000), seats_left=0)
    make_event(dbsession, "judo", judo, arena, "Judo – Finales par équipes mixtes", "Judo – Mixed team finals",
               at(days[10], 16), prices=(9000, None, None), seats_left=3)
    make_event(dbsession, "draft", athletics, sdf, "Athlétisme – Session secrète", "Athletics – Secret session",
               at(days[3], 10), state=EventState.DRAFT)
    make_event(dbsession, "old", athletics, sdf, "Athlétisme – Marathon passé", "Athletics – Past marathon",
               now - timedelta(days=1, hours=3))
    dbsession.commit()
    return days


@pytest.fixture
def run_seed(app, testapp):
    """Run the demo catalogue seed in its own transaction: run_seed()."""
    from olympix.seed.catalogue import seed

    def run():
        env = prepare(registry=app.registry)
        try:
            with env["request"].tm:
                seed(env["request"])
        finally:
            env["closer"]()

    return run
