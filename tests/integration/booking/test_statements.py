"""How many statements MariaDB receives per request of a purchase (issue 11.4).

The application is pointed at bench/_sqlcount.py's loopback proxy, which
counts the command packets MariaDB really receives (pings, rollbacks of the
pool, every SELECT): what the engine's own events cannot see. Each budget
is today's count: a change that adds a round trip to the hot path fails here
and says which statements it sent.
"""
import os
import sys
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import webtest

from tests.factories import catalogue
from tests.factories.orders import paid_order
from tests.functional.helpers import sign_in

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "bench"))

from _sqlcount import StatementCounter, difference  # noqa: E402

pytestmark = pytest.mark.mariadb

HOST = {"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr", "REMOTE_ADDR": "192.0.2.1"}


@pytest.fixture(scope="module")
def counted(app_settings, database_url):
    """``(app, counter)``: the application on the test database through the counting proxy."""
    if not database_url.startswith("mysql"):
        pytest.skip("counts MariaDB's statements: needs MariaDB on 127.0.0.1:3306")
    from olympix import main

    counter = StatementCounter()
    settings = dict(app_settings)
    settings["sqlalchemy.url"] = counter.url(urlsplit(database_url).path.lstrip("/").split("?")[0])
    app = main({}, **settings)
    yield app, counter
    app.registry["db_engine"].dispose()
    counter.close()


def count(counter, fn):
    before, texts = counter.snapshot(), counter.text_snapshot()
    response = fn()
    if os.environ.get("OLYMPIX_SHOW_STATEMENTS"):
        for text, n in difference(counter.text_snapshot(), texts).items():
            print(f"  {n} × {text[:160]}")
    return response, difference(counter.snapshot(), before)


def test_a_hold_and_its_order_page_cost_a_handful_of_statements(counted, testapp, make_user, dbsession, clock):
    app, counter = counted
    event = catalogue.event(dbsession, clock.now() + timedelta(days=2), capacity=100)
    dbsession.commit()
    make_user("ada@example.test")
    client = webtest.TestApp(app, extra_environ=HOST)
    sign_in(client, "ada@example.test")
    client.get(f"/events/{event.slug}/@@book")  # warm: connections made, templates compiled
    page = client.get(f"/events/{event.slug}/@@book")
    form = page.forms["form"]
    form["quantity"] = "1"
    held, statements = count(counter, lambda: form.submit("submit"))
    assert held.status_int == 303
    print("hold:", dict(statements))
    total = sum(statements.values())
    assert statements.get("PING", 0) == 0, statements  # no ping on every checkout
    assert statements.get("ROLLBACK", 0) == 0, statements  # no rollback of a committed connection
    assert statements["COMMIT"] == 1 and statements["UPDATE"] == 1, statements
    # Was 18 (4 reads of the same user, the offers twice, a PING and the
    # pool's ROLLBACK after the COMMIT), then 11, then 9: the event with its
    # offers (one JOIN), the user, the buyer's row lock, their orders'
    # standing with the address's holds (one statement: was two), the seat
    # UPDATE, 3 INSERTs, COMMIT. No SET: the connections read committed
    # rows from the start (models.get_engine), not per request.
    assert statements.get("SET", 0) == 0, statements
    assert total <= 9, statements
    order_path = urlsplit(held.location).path
    page, statements = count(counter, lambda: client.get(order_path))
    assert page.status_int == 200
    print("order page:", dict(statements))
    # A read ends its transaction once (ROLLBACK): no ping, no second reset.
    assert statements.get("PING", 0) == 0 and statements.get("ROLLBACK", 0) + statements.get("COMMIT", 0) == 1
    # The session and its user; the order with its lines, their event and
    # offer (one statement: was four); attendees, payments, refunds (issue
    # 13: the buyer sees them), no tickets for a held order; the end of the
    # transaction.
    assert sum(statements.values()) <= 6, statements


def test_the_search_page_and_the_home_page_are_one_query(counted, testapp, dbsession, clock):
    app, counter = counted
    settings = app.registry.settings
    saved = settings["olympix.catalogue.reference_ttl"]
    settings["olympix.catalogue.reference_ttl"] = 60
    try:
        for n in range(15):
            catalogue.event(dbsession, clock.now() + timedelta(days=2, hours=n), capacity=100)
        dbsession.commit()
        client = webtest.TestApp(app, extra_environ=HOST)
        client.get("/events")  # warm: the sports and venues the form lists are read once
        page, statements = count(counter, lambda: client.get("/events?seats=1&sport=athletics"))
        assert page.status_int == 200 and page.text.count('class="card') >= 12
        print("search:", dict(statements))
        # The page with its count and its cards' offer figures (was two
        # statements: the offers apart), the end of the transaction.
        assert statements == {"SELECT": 1, "ROLLBACK": 1}, statements
        home, statements = count(counter, lambda: client.get("/"))
        assert home.status_int == 200 and home.text.count('class="card-title') == 3
        assert statements == {"SELECT": 1, "ROLLBACK": 1}, statements
        last, statements = count(counter, lambda: client.get("/events?page=99"))
        assert "page 2" in last.text or "page 2 sur 2" in last.text
    finally:
        settings["olympix.catalogue.reference_ttl"] = saved


def test_an_order_page_costs_the_same_statements_whatever_its_tickets(counted, testapp, make_user, dbsession,
                                                                      clock):
    """The tickets' listings, packs and states are read once for the whole order, not once per ticket."""
    app, counter = counted
    event = catalogue.event(dbsession, clock.now() + timedelta(days=20), capacity=100)
    dbsession.commit()
    buyer = make_user("grace@example.test")
    solo = paid_order(app, event, buyer, offer="solo")
    family = paid_order(app, event, buyer, offer="family")  # 4 tickets, one pack
    client = webtest.TestApp(app, extra_environ=HOST)
    sign_in(client, "grace@example.test")
    client.get(f"/orders/{solo}")  # warm
    costs = {}
    for reference, seats in ((solo, 1), (family, 4)):
        page, statements = count(counter, lambda: client.get(f"/orders/{reference}"))
        assert page.status_int == 200 and page.text.count("/tickets/") >= seats, reference
        print(reference, dict(statements))
        costs[seats] = statements
    assert costs[4] == costs[1], costs
    # The session and its user; the order with its lines, their event and
    # offer; its tickets, attendees, payments, refunds; the live listings
    # of its tickets (one query); the end of the transaction.
    assert sum(costs[4].values()) <= 8, costs
