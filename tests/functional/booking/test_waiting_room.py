"""The waiting room in front of an on-sale opening (issue 11.1), on the database and on Redis."""
from datetime import timedelta

import pytest
import webtest
from sqlalchemy import func, select

from olympix.models import Event, Order
from tests.conftest import clean_database
from tests.functional.booking.journey import book, fresh, seats_left
from tests.functional.helpers import olympix, sign_in

HOST = {"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture(scope="session")
def redis_app(app_settings, redis_settings):
    """A second application on the same database with its queue on the local Redis."""
    from olympix import main

    settings = dict(app_settings)
    settings.update(redis_settings)
    return main({}, **settings)


@pytest.fixture(params=["database", "redis"])
def room(request, app, db_engine, mailbox, sms_outbox):
    """``(app, clock)`` with the queue on the database fallback, then on Redis."""
    chosen = app if request.param == "database" else request.getfixturevalue("redis_app")
    store = chosen.registry["olympix.shared_store"]
    if store is not None:  # Redis outlives the database's cleaning: queues, sign-in counters
        for key in list(store.client.scan_iter(match=store.prefix + "*", count=1000)):
            store.client.delete(key)
    clock = _clock_of(chosen)
    clock.set(clock.__class__().now())
    clean_database(db_engine)
    yield chosen, clock
    clean_database(db_engine)


def _clock_of(app):
    from pyramid.request import Request, apply_request_extensions

    from olympix.interfaces import IClock

    request = Request.blank("/")
    request.registry = app.registry
    apply_request_extensions(request)
    return request.find_service(IClock)


@pytest.fixture
def queued_event(room, dbsession):
    """A published event whose sale opens in 20 minutes at 60 admissions a minute (1 a second)."""
    from tests.factories import catalogue

    _app, clock = room
    event = catalogue.event(dbsession, clock.now() + timedelta(days=3), capacity=500,
                            onsale_at=clock.now() + timedelta(minutes=20), admission_rate=60)
    dbsession.commit()
    return event


def person(room, make_user, n, address="192.0.2.1"):
    """A signed-in browser of its own (its own session cookie) for account ``n``."""
    app, _clock = room
    email = f"fan{n}@example.test"
    make_user(email)
    client = webtest.TestApp(app, extra_environ=dict(HOST, REMOTE_ADDR=address))
    sign_in(client, email)
    return client


def position(client, event):
    return client.get(f"/events/{event.slug}/@@queue.json").json


def test_before_the_opening_the_event_page_is_the_queue_page(room, queued_event, make_user, dbsession):
    _app, clock = room
    anonymous = webtest.TestApp(room[0], extra_environ=HOST)
    page = anonymous.get(f"/events/{queued_event.slug}")
    assert 'http-equiv="refresh" content="20"' in page.text
    assert "Ouverture des ventes" in page.text and "Se connecter" in page.text
    assert "no-store" in page.headers["Cache-Control"]
    fan = person(room, make_user, 1)
    page = fan.get(f"/events/{queued_event.slug}/@@book")
    assert "Votre place" in page.text and 'name="quantity"' not in page.text
    answer = position(fan, queued_event)
    assert answer["position"] == 1 and answer["ahead"] == 0 and answer["admitted"] is False
    assert answer["estimated_wait_s"] >= 20 * 60 - 1
    # No hold before the opening, even posted by hand.
    token = fan.get("/").html.find("input", attrs={"name": "csrf_token"})["value"]
    refused = fan.post(f"/events/{queued_event.slug}/@@book",
                       {"csrf_token": token, "offer": str(queued_event.offers[0].id), "quantity": "1"})
    assert refused.status_int == 200 and "Les ventes ouvrent" in refused.text
    assert seats_left(dbsession, queued_event) == 500


def test_early_arrivals_are_drawn_later_ones_queue_in_order(room, queued_event, make_user):
    _app, clock = room
    early = [person(room, make_user, n) for n in range(8)]
    for client in early:
        position(client, queued_event)
    clock.advance(minutes=21)  # the sale opened a minute ago
    places = [position(client, queued_event)["position"] for client in early]
    assert sorted(places) == list(range(1, 9))
    late = [person(room, make_user, 100 + n, address=f"192.0.2.{10 + n}") for n in range(3)]
    late_places = []
    for client in late:
        clock.advance(seconds=1)
        late_places.append(position(client, queued_event)["position"])
    assert late_places == [9, 10, 11]  # behind every early arrival, in the order they came


def test_the_random_draw_is_not_the_arrival_order(room, queued_event, make_user):
    _app, clock = room
    early = [person(room, make_user, n, address=f"198.51.100.{n}") for n in range(12)]
    for client in early:
        position(client, queued_event)
    clock.advance(minutes=20)
    places = [position(client, queued_event)["position"] for client in early]
    assert sorted(places) == list(range(1, 13))
    assert places != list(range(1, 13))  # 1 chance in 12! to fail


def test_admission_follows_the_rate_and_the_pass_opens_the_shop(room, queued_event, make_user, dbsession):
    _app, clock = room
    fans = [person(room, make_user, n, address=f"203.0.113.{n}") for n in range(16)]
    for client in fans:
        position(client, queued_event)
    clock.advance(minutes=20)  # the opening: nobody is in yet
    assert not any(position(client, queued_event)["admitted"] for client in fans)
    clock.advance(seconds=5)  # 1 a second: the first 5 are in
    answers = [position(client, queued_event) for client in fans]
    admitted = [client for client, answer in zip(fans, answers) if answer["admitted"]]
    assert len(admitted) == 5
    waiting = [a for a in answers if not a["admitted"]]
    assert sorted(a["ahead"] for a in waiting) == list(range(11))
    assert all(a["estimated_wait_s"] == a["ahead"] + 1 for a in waiting)
    # Admitted: the event page and the shop are back, and the hold goes through.
    first = admitted[0]
    assert "Choisir mes places" in first.get(f"/events/{queued_event.slug}/@@queue").text
    assert book(first, queued_event).status_int == 303
    # Not admitted: the shop is the queue page, and a hand-made POST is refused.
    other = next(c for c, a in zip(fans, answers) if not a["admitted"])
    page = other.get(f"/events/{queued_event.slug}/@@book")
    assert 'name="quantity"' not in page.text
    token = other.get("/").html.find("input", attrs={"name": "csrf_token"})["value"]
    refused = other.post(f"/events/{queued_event.slug}/@@book",
                         {"csrf_token": token, "offer": str(queued_event.offers[0].id), "quantity": "1"})
    assert "pas encore votre tour" in refused.text
    assert seats_left(dbsession, queued_event) == 499


def test_the_pass_stays_in_its_browser_and_runs_out(room, queued_event, make_user, dbsession):
    app, clock = room
    fan = person(room, make_user, 1)
    position(fan, queued_event)
    clock.advance(minutes=20, seconds=2)
    assert position(fan, queued_event)["admitted"] is True
    # The same account signed in elsewhere: the place is not used twice.
    elsewhere = webtest.TestApp(app, extra_environ=dict(HOST, REMOTE_ADDR="192.0.2.99"))
    sign_in(elsewhere, "fan1@example.test")
    page = elsewhere.get(f"/events/{queued_event.slug}/@@queue")
    assert "dans un autre navigateur" in page.text
    assert "pas encore votre tour" in book_by_hand(elsewhere, queued_event).text
    # The session cookie copied into a third browser, without the session: the pass is in the session.
    clock.advance(minutes=11)  # the pass has run out: back to the end of the queue
    assert "pas encore votre tour" in book_by_hand(fan, queued_event).text
    assert dbsession.scalar(select(func.count(Order.id))) == 0
    assert position(fan, queued_event)["position"] == 1  # alone, so at once again at the back


def book_by_hand(client, event):
    token = client.get("/").html.find("input", attrs={"name": "csrf_token"})["value"]
    return client.post(f"/events/{event.slug}/@@book",
                       {"csrf_token": token, "offer": str(event.offers[0].id), "quantity": "1"})


def test_places_per_address_are_limited(room, queued_event, make_user):
    app, _clock = room
    settings = app.registry.settings
    saved = settings["olympix.queue.places_per_address"]
    settings["olympix.queue.places_per_address"] = 2
    try:
        fans = [person(room, make_user, n, address="192.0.2.50") for n in range(3)]
        for client in fans:
            position(client, queued_event)
        places = [position(c, queued_event)["position"] for c in fans]
        assert sorted(places[:2]) == [1, 2] and places[2] is None  # drawn at random: 1, 2 in any order
        page = fans[2].get(f"/events/{queued_event.slug}/@@queue")
        assert "depuis votre réseau" in page.text
        assert position(person(room, make_user, 9, address="192.0.2.51"), queued_event)["position"] in (1, 2, 3)
    finally:
        settings["olympix.queue.places_per_address"] = saved


def test_events_without_an_opening_have_no_queue(testapp, buyer, make_event):
    event = make_event(capacity=5)
    assert testapp.get(f"/events/{event.slug}/@@queue.json").json["queued"] is False
    assert book(testapp, event).status_int == 303


def test_managers_see_the_queue(room, queued_event, make_user):
    app, clock = room
    for n in range(3):
        position(person(room, make_user, n, address=f"192.0.2.{60 + n}"), queued_event)
    make_user("boss@example.test", role="manager")
    boss = webtest.TestApp(app, extra_environ=HOST)
    sign_in(boss, "boss@example.test")
    page = boss.get("/backoffice/queues")
    cells = [td.text.strip() for td in page.html.find("tbody").find("tr").find_all("td")]
    assert queued_event.title_fr in cells[0]
    assert cells[2:6] == ["60", "3", "0", "3"]  # a minute's rate, in the queue, admitted, waiting
    fan = webtest.TestApp(app, extra_environ=HOST)
    make_user("fan@example.test")
    sign_in(fan, "fan@example.test")
    assert fan.get("/backoffice/queues", expect_errors=True).status_int in (403, 404)


def test_onsale_command_sets_and_clears_the_opening(testapp, make_event, ini, dbsession):
    event = make_event(starts_in=timedelta(days=5 * 365))
    done = olympix("onsale", ini, "--event", event.code, "--at", "2030-01-01T10:00", "--rate", "120",
                   "--phase", "phase-1")
    assert done.returncode == 0, done.stderr
    assert "phase-1" in done.stdout and "120 admissions" in done.stdout
    fresh(dbsession)
    row = dbsession.get(Event, event.id)
    assert row.onsale_at.isoformat() == "2030-01-01T09:00:00+00:00"  # Paris time, winter
    assert (row.admission_rate, row.sale_phase) == (120, "phase-1")
    for bad in (["--at", "tomorrow"], ["--at", "2030-01-01T10:00", "--rate", "0"],
                ["--at", "2030-01-01T10:00", "--phase", "a b"], ["--at", "2099-01-01T10:00"]):
        refused = olympix("onsale", ini, "--event", event.code, *bad)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert olympix("onsale", ini, "--event", "NOPE", "--at", "none").returncode == 2
    assert olympix("onsale", ini, "--event", event.code, "--at", "none").returncode == 0
    fresh(dbsession)
    assert dbsession.get(Event, event.id).onsale_at is None


def test_cards_say_when_sales_open(room, queued_event):
    app, _clock = room
    anonymous = webtest.TestApp(app, extra_environ=HOST)
    page = anonymous.get("/events")
    assert "Ouverture des ventes :" in page.text
