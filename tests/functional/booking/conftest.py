"""Booking fixtures: a catalogue event with offers, a buyer, sandboxpay on loopback."""
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import webtest

from olympix.models import Event, Offer, Sport, Venue
from tests.functional.helpers import sign_in

WEBHOOK_SECRET = "whsec_insecure-dev"
API_KEY = "sk_test_insecure-dev"


@pytest.fixture
def make_event(dbsession, clock):
    """Insert a published event with Solo/Duo/Family offers: make_event(capacity=10)."""
    counter = iter(range(1, 10_000))

    def make(capacity=50, starts_in=timedelta(hours=6), prices=(4500, 8000, 15000), slug=None):
        n = next(counter)
        sport = dbsession.query(Sport).filter_by(slug="athletics").one_or_none() or Sport(
            slug="athletics", name_fr="Athlétisme", name_en="Athletics", icon="athletics.svg")
        venue = dbsession.query(Venue).filter_by(slug="stade-de-france").one_or_none() or Venue(
            slug="stade-de-france", name_fr="Stade de France", name_en="Stade de France",
            city="Saint-Denis", address="93200 Saint-Denis", capacity=77000)
        start = clock.now() + starts_in
        event = Event(slug=slug or f"athletics-evening-{n}", code=f"ATH-T{n:04d}", sport=sport, venue=venue,
                      title_fr=f"Athlétisme — soirée {n}", title_en=f"Athletics — evening {n}",
                      starts_at=start, ends_at=start + timedelta(hours=3), capacity=capacity,
                      seats_left=capacity, state="published")
        for kind, seats, price in zip(("solo", "duo", "family"), (1, 2, 4), prices):
            event.offers.append(Offer(kind=kind, seats=seats, price_cents=price))
        dbsession.add(event)
        dbsession.commit()
        return event

    return make


@pytest.fixture
def buyer(testapp, make_user):
    """A signed-in buyer (Ada Lovelace); returns the user id."""
    user_id = make_user("buyer@example.test")
    sign_in(testapp, "buyer@example.test")
    return user_id


@pytest.fixture(scope="session")
def sandbox(app):
    """sandboxpay and olympix both served on 127.0.0.1, wired to each other.

    Yields a WebTest client on the sandbox (the buyer's browser on the
    hosted page) and the sandbox app itself.
    """
    from sandboxpay import make_app
    from sandboxpay.testing import LoopbackServer

    pay_app = make_app({"sandboxpay.api_key": API_KEY, "sandboxpay.webhook_secret": WEBHOOK_SECRET,
                        "sandboxpay.db": ":memory:", "sandboxpay.notify_delay": "0.3"})
    pay_server = LoopbackServer(pay_app)
    pay_app.public_url = pay_server.url
    olympix_server = LoopbackServer(app)
    settings = app.registry.settings
    saved = {k: settings.get(k) for k in ("olympix.payment.url", "olympix.payment.notify_url")}
    settings["olympix.payment.url"] = pay_server.url
    settings["olympix.payment.notify_url"] = olympix_server.url + "/api/payments/notify"
    yield webtest.TestApp(pay_app), pay_app
    settings.update(saved)
    pay_server.close()
    olympix_server.close()


def local(url):
    """The path and query of an absolute URL, for WebTest."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def book(testapp, event, offer="solo", quantity=1):
    """Submit the book form; returns the response (303 to the order page when held)."""
    page = testapp.get(f"/events/{event.slug}/@@book")
    form = page.forms["form"]
    offer_id = next(o.id for o in event.offers if o.kind == offer)
    form["offer"] = str(offer_id)
    form["quantity"] = str(quantity)
    return form.submit("submit")
