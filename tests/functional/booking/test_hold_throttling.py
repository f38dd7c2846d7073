"""No seats kept off sale without paying (issue 15.5): a lapsed hold waits, holds per address, the anomaly."""
from datetime import timedelta

import pytest
import webtest
from sqlalchemy import func, select

from olympix.models import Order, OrderState
from olympix.security.client_address import parse_proxies
from tests.functional.booking.journey import book, seats_left
from tests.functional.helpers import sign_in


@pytest.fixture
def setting(app):
    """``setting(key, value)``: change one application setting for this test."""
    settings, saved = app.registry.settings, {}

    def change(key, value):
        saved.setdefault(key, settings.get(key))
        settings[key] = value

    yield change
    settings.update(saved)


def test_a_lapsed_hold_waits_before_holding_the_same_event(testapp, buyer, make_event, clock, dbsession):
    event, other = make_event(capacity=20), make_event(capacity=20)
    assert book(testapp, event, "family").status_int == 303
    clock.advance(minutes=11)  # the hold (10 minutes) ran out unpaid
    refused = book(testapp, event, "family")
    assert refused.status_int == 200 and "a expiré sans paiement" in refused.text
    testapp.get("/orders/")  # seen: the lapsed hold gives its seats back
    assert seats_left(dbsession, event) == 20  # and none were taken again
    assert book(testapp, other, "solo").status_int == 303  # another event: no wait
    clock.advance(minutes=15)
    assert book(testapp, event, "family").status_int == 303
    assert seats_left(dbsession, event) == 16


def test_holds_per_client_address_through_the_trusted_proxy(app, testapp, make_user, make_event, setting,
                                                            dbsession):
    setting("olympix.booking.holds_per_address_hour", 2)
    setting("olympix.trusted_proxies.parsed", parse_proxies("10.0.0.1"))
    event = make_event(capacity=50)

    def buyer_behind_proxy(n, client_address):
        make_user(f"bot{n}@example.test")
        client = webtest.TestApp(app, extra_environ={
            "HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr", "REMOTE_ADDR": "10.0.0.1",
            "HTTP_X_FORWARDED_FOR": client_address})
        sign_in(client, f"bot{n}@example.test")
        return client

    bots = [buyer_behind_proxy(n, "198.51.100.7") for n in range(3)]
    assert [book(bot, event).status_int for bot in bots[:2]] == [303, 303]
    refused = book(bots[2], event)
    assert refused.status_int == 200 and "Trop de réservations depuis votre réseau" in refused.text
    # Another visitor behind the same proxy is not counted with them.
    assert book(buyer_behind_proxy(9, "203.0.113.5"), event).status_int == 303
    assert seats_left(dbsession, event) == 47
    assert dbsession.scalar(select(func.count(Order.id)).where(Order.client_address == "198.51.100.7")) == 2


def test_repeated_lapses_are_an_anomaly_for_managers(app, testapp, buyer, make_user, make_event, clock,
                                                     setting, dbsession):
    setting("olympix.booking.relapse_minutes", 0)
    event = make_event(capacity=20)
    for _ in range(3):
        assert book(testapp, event, "family").status_int == 303
        clock.advance(minutes=11)
        testapp.get("/orders/")  # the buyer's own list expires the lapsed hold
    assert dbsession.scalar(select(func.count(Order.id)).where(Order.state == OrderState.EXPIRED)) == 3
    make_user("boss@example.test", role="manager")
    boss = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})
    sign_in(boss, "boss@example.test")
    page = boss.get("/backoffice/queues")
    assert "buyer@example.test — 3" in page.text
