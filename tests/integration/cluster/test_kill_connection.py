"""KILL CONNECTION of the application's own connection in the middle of a purchase and of a scan.

The connection is killed (from a second connection, on this run's own
database) just before a chosen statement runs, as when a database node dies
under a request. The request is replayed whole by pyramid_retry and
succeeds, or, when every attempt is killed, is refused with the outage page;
either way the data stays consistent. Only our own connection is killed;
the shared server keeps running.
"""
import contextlib
import json
import re
import time
from datetime import timedelta

import pymysql
import pytest
from sqlalchemy import event, func, select

from olympix.models import Event, Offer, Order, Payment, Sport, Ticket, Venue
from olympix.models.gate import Scan
from olympix.services.payment_gateway import sign_notification
from tests.conftest import MARIADB
from tests.functional.gate.conftest import csrf_of
from tests.factories.gate import build_world
from tests.functional.helpers import sign_in

pytestmark = pytest.mark.mariadb

WEBHOOK_SECRET = "whsec_insecure-dev"  # tests/conftest.py's


@contextlib.contextmanager
def kill_before(engine, statement_start, times=1):
    """KILL CONNECTION the connection about to run a statement starting with ``statement_start``."""
    admin = pymysql.connect(autocommit=True, **MARIADB)
    killed = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if len(killed) < times and statement.lstrip().upper().startswith(statement_start):
            thread_id = conn.connection.dbapi_connection.thread_id()
            with admin.cursor() as c:
                c.execute(f"KILL CONNECTION {int(thread_id)}")
            killed.append(thread_id)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield killed
    finally:
        event.remove(engine, "before_cursor_execute", before)
        admin.close()


@pytest.fixture
def concert(mariadb, testapp, dbsession, clock, make_user):
    sport = Sport(slug="judo-k", name_fr="Judo", name_en="Judo", icon="judo.svg")
    venue = Venue(slug="arena-k", name_fr="Arena", name_en="Arena", city="Paris", capacity=8000)
    start = clock.now() + timedelta(days=1)
    event_ = Event(slug="judo-kill", code="JUD-K", sport=sport, venue=venue, title_fr="Judo", title_en="Judo",
                   starts_at=start, ends_at=start + timedelta(hours=2), capacity=10, seats_left=10,
                   state="published")
    event_.offers = [Offer(kind="solo", seats=1, price_cents=5000)]
    dbsession.add(event_)
    dbsession.commit()
    make_user("buyer@example.test")
    sign_in(testapp, "buyer@example.test")
    return event_


def hold(testapp, concert, status="*"):
    page = testapp.get(f"/events/{concert.slug}/@@book")
    form = page.forms["form"]
    form["offer"] = str(concert.offers[0].id)
    form["quantity"] = "1"
    return form.submit("submit", status=status)


def fresh(dbsession):
    dbsession.rollback()
    dbsession.expire_all()


def test_purchase_killed_mid_transaction_is_replayed(app, testapp, concert, dbsession):
    engine = app.registry["db_engine"]
    with kill_before(engine, "UPDATE EVENTS SET SEATS_LEFT") as killed:
        response = hold(testapp, concert)
    assert killed, "the seat UPDATE never ran"
    assert response.status_int == 303 and "/orders/" in response.location
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(Order.id))) == 1  # replayed once, not twice
    assert dbsession.get(Event, concert.id).seats_left == 9


def test_purchase_killed_every_time_is_refused_cleanly(app, testapp, concert, dbsession):
    engine = app.registry["db_engine"]
    with kill_before(engine, "UPDATE EVENTS SET SEATS_LEFT", times=100) as killed:
        response = hold(testapp, concert)
    assert len(killed) == int(app.registry.settings.get("retry.attempts", 3))  # every attempt, no more
    assert response.status_int == 503
    assert "momentanément indisponible" in response.text and "Traceback" not in response.text
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(Order.id))) == 0
    assert dbsession.get(Event, concert.id).seats_left == 10


def test_payment_notification_killed_mid_transaction_completes_once(app, testapp, concert, dbsession):
    response = hold(testapp, concert)
    reference = re.search(r"/orders/([A-Z0-9]+)", response.location).group(1)
    fresh(dbsession)
    order = dbsession.scalar(select(Order).where(Order.reference == reference))
    dbsession.add(Payment(order_id=order.id, provider="sandboxpay", checkout_id="cs_kill", status="open",
                          amount_cents=order.total_cents, refunded_cents=0, created_at=order.created_at,
                          updated_at=order.created_at))
    dbsession.commit()
    body = json.dumps({"id": "evt_kill", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()),
                       "data": {"id": "cs_kill", "status": "paid", "amount": order.total_cents, "currency": "EUR",
                                "reference": reference, "payment": "pay_kill", "brand": "visa",
                                "last4": "4242"}}).encode()
    headers = {"Content-Type": "application/json",
               "Sandbox-Signature": sign_notification(WEBHOOK_SECRET, body, int(time.time()))}
    with kill_before(app.registry["db_engine"], "UPDATE PAYMENTS SET") as killed:
        answer = testapp.post("/api/payments/notify", body, headers=headers, status="*")
    assert killed and answer.status_int == 200 and answer.json["result"] == "paid"
    again = testapp.post("/api/payments/notify", body, headers=headers)
    assert again.json["result"] == "duplicate"
    fresh(dbsession)
    assert dbsession.get(Order, order.id).state == "paid"
    assert dbsession.scalar(select(func.count(Ticket.id)).where(Ticket.order_id == order.id)) == 1


def test_notification_while_the_database_is_unreachable_is_refused_so_the_provider_retries(
        app, testapp, concert, dbsession):
    body = json.dumps({"id": "evt_x", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()), "data": {"id": "cs_x", "status": "paid", "amount": 5000,
                                                              "currency": "EUR"}}).encode()
    headers = {"Content-Type": "application/json",
               "Sandbox-Signature": sign_notification(WEBHOOK_SECRET, body, int(time.time()))}
    with kill_before(app.registry["db_engine"], "SELECT PAYMENTS.", times=100):
        answer = testapp.post("/api/payments/notify", body, headers=headers, status="*")
    assert answer.status_int == 503 and answer.headers["Retry-After"]
    assert answer.json["status"] == 503 and answer.json["error"]


@pytest.fixture
def gate_world(mariadb, testapp, app, db_engine, make_user, clock):
    buyer = make_user("holder@example.test", first_name="Ada", last_name="Lovelace")
    world = build_world(db_engine, app.registry.settings, clock.now(), buyer)
    make_user("agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    sign_in(testapp, "agent@example.test")
    testapp.post("/gate/@@choose", {"gate_id": world.gate_ids["a1"], "csrf_token": csrf_of(testapp)})
    return world


def test_scan_killed_mid_transaction_is_replayed_and_admits_once(app, testapp, gate_world, dbsession):
    ticket_id, _serial, code = gate_world.mint()
    token = csrf_of(testapp)
    with kill_before(app.registry["db_engine"], "UPDATE TICKETS SET") as killed:
        first = testapp.post_json("/api/gate/scans", {"code": code, "gate": gate_world.gates["a1"]},
                                  headers={"X-CSRF-Token": token}, status="*")
    assert killed and first.status_int == 200 and first.json["reason"] == "admitted"
    again = testapp.post_json("/api/gate/scans", {"code": code, "gate": gate_world.gates["a1"]},
                              headers={"X-CSRF-Token": token})
    assert again.json["reason"] == "already_scanned"
    fresh(dbsession)
    assert dbsession.get(Ticket, ticket_id).state == "scanned"
    verdicts = dbsession.scalars(select(Scan.reason).where(Scan.ticket_id == ticket_id).order_by(Scan.id)).all()
    assert verdicts == ["admitted", "already_scanned"]  # the killed attempt left nothing behind
