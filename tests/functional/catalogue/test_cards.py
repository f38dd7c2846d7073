"""The cards of the search and home pages: one statement a page, names remembered, seats always fresh (issue 11).

The names of sports and venues are read once a ``reference_ttl`` per
process; what can change between two visitors (the seats left, the
offers, a session published or withdrawn) is read on every page.
"""
from datetime import timedelta

import pytest
from sqlalchemy import update

from olympix.models import Event, Offer, Sport, Venue
from tests.factories import catalogue


@pytest.fixture
def remembered(app, monkeypatch):
    """The production setting: sports and venues read once a minute per process."""
    monkeypatch.setitem(app.registry.settings, "olympix.catalogue.reference_ttl", 60)


@pytest.fixture
def event(testapp, dbsession, clock):
    row = catalogue.event(dbsession, clock.now() + timedelta(days=2), capacity=1000, title_fr="La finale")
    dbsession.commit()
    return row


def card_of(page, slug):
    """The HTML of the card that links to ``slug``."""
    text = page.text
    link = text.index(f"/events/{slug}")
    return text[text.rindex('<article class="card">', 0, link):text.index("</article>", link)]


@pytest.mark.parametrize("path", ["/events", "/"])
def test_seats_left_and_prices_are_read_on_every_page(testapp, dbsession, event, remembered, path):
    assert "En vente" in card_of(testapp.get(path), event.slug)
    dbsession.execute(update(Event).where(Event.id == event.id).values(seats_left=3))
    dbsession.execute(update(Offer).where(Offer.event_id == event.id, Offer.kind == "solo").values(price_cents=999))
    dbsession.commit()
    card = card_of(testapp.get(path), event.slug)
    assert "Plus que 3 places" in card and "9,99" in card
    dbsession.execute(update(Event).where(Event.id == event.id).values(seats_left=0))
    dbsession.commit()
    card = card_of(testapp.get(path), event.slug)
    assert "Complet" in card and "Réserver" not in card and "9,99" not in card


def test_a_family_offer_that_no_longer_fits_is_not_bookable(testapp, dbsession, clock, remembered):
    """Sold out when no offer fits the seats left: the figures come from the database, per page."""
    row = catalogue.event(dbsession, clock.now() + timedelta(days=2), capacity=100, seats_left=3,
                          prices=(None, None, 15000))  # Family only: 4 seats
    dbsession.commit()
    card = card_of(testapp.get("/events"), row.slug)
    assert "Complet" in card and "Réserver" not in card


def test_a_venue_and_a_sport_added_since_the_names_were_read_name_their_cards(testapp, dbsession, clock, event,
                                                                              remembered):
    testapp.get("/events")  # the names are read and remembered
    sport = Sport(slug="surfing", name_fr="Surf", name_en="Surfing", icon="surfing.svg")
    venue = Venue(slug="teahupoo", name_fr="Teahupo'o", name_en="Teahupo'o", city="Teahupo'o",
                  address="Tahiti", tz="Pacific/Tahiti")
    dbsession.add_all([sport, venue])
    dbsession.flush()
    row = catalogue.event(dbsession, clock.now() + timedelta(days=3), sport_slug="surfing", venue_slug="teahupoo")
    dbsession.commit()
    card = card_of(testapp.get("/events"), row.slug)
    assert "Surf" in card and "Teahupo&#39;o, Teahupo&#39;o" in card and "surfing.svg" in card
    assert "Surf" in card_of(testapp.get("/"), row.slug)  # the home page's next sessions too


def test_a_withdrawn_session_leaves_the_cards_on_the_next_page(testapp, dbsession, event, remembered):
    assert event.slug in testapp.get("/events").text
    dbsession.execute(update(Event).where(Event.id == event.id).values(state="draft"))
    dbsession.commit()
    assert event.slug not in testapp.get("/events").text
    assert event.slug not in testapp.get("/").text
