"""What a buyer sees while the database cannot be reached: a clear page in their language, never a traceback."""
import json
import time

import pytest
import webtest

from olympix.models import retry
from olympix.services.payment_gateway import sign_notification
from tests.conftest import TEST_SETTINGS, free_port


@pytest.fixture(scope="module")
def cut_off():
    """The application pointed at a port where no database listens (as when every node is down)."""
    from olympix import main

    settings = dict(TEST_SETTINGS, **{
        "sqlalchemy.url": f"mysql+pymysql://root@127.0.0.1:{free_port()}/olympix?charset=utf8mb4",
        "retry.attempts": "2",
    })
    return webtest.TestApp(main({}, **settings), extra_environ={"HTTP_HOST": "localhost"})


@pytest.mark.parametrize("language, title, words", [
    ("fr", "La billetterie est momentanément indisponible", "Vos commandes confirmées et vos billets sont en sécurité"),
    ("en", "The ticket office is briefly unavailable", "Your confirmed orders and tickets are safe"),
])
@pytest.mark.parametrize("path", ["/", "/events/", "/events/athletics-final/"])
def test_pages_during_an_outage(cut_off, path, language, title, words):
    page = cut_off.get(path, headers={"Accept-Language": language}, status=503)
    assert title in page.text and words in page.text
    assert page.headers["Retry-After"]
    assert "Traceback" not in page.text and "pymysql" not in page.text and "sqlalchemy" not in page.text.lower()
    assert f'lang="{language}"' in page.text


def test_a_form_posted_during_an_outage(cut_off):
    form = cut_off.get("/account/@@login", headers={"Accept-Language": "en"}).forms["form"]  # no database needed
    form["email"], form["password"] = "a@b.test", "correct horse battery"
    page = form.submit("submit", headers={"Accept-Language": "en"}, status=503)
    assert "briefly unavailable" in page.text and "Traceback" not in page.text


def test_the_payment_notification_is_refused_so_the_provider_sends_it_again(cut_off):
    body = json.dumps({"id": "evt_1", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()), "data": {"id": "cs_1", "status": "paid", "amount": 100,
                                                              "currency": "EUR"}}).encode()
    answer = cut_off.post("/api/payments/notify", body, status=503, headers={
        "Content-Type": "application/json",
        "Sandbox-Signature": sign_notification(TEST_SETTINGS["olympix.payment.webhook_secret"], body,
                                               int(time.time()))})
    assert answer.json["status"] == 503 and answer.headers["Retry-After"]


def test_which_errors_replay_a_request():
    import pymysql
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    def wrapped(cls, code, message="x"):
        orig = (pymysql.err.OperationalError if cls is OperationalError else pymysql.err.ProgrammingError)(code, message)
        return cls("SELECT 1", {}, orig)

    assert retry.is_unavailable(wrapped(OperationalError, 2003))  # cannot connect
    assert retry.is_unavailable(wrapped(OperationalError, 2013))  # lost during a query
    assert retry.is_unavailable(wrapped(OperationalError, 1927))  # KILL CONNECTION
    assert retry.is_unavailable(wrapped(OperationalError, 1047))  # Galera node not in the primary component
    assert not retry.is_unavailable(wrapped(OperationalError, 1213))  # a deadlock is not an outage
    assert not retry.is_unavailable(wrapped(ProgrammingError, 1064))  # a bug stays a bug (500)
    assert {1213, 1205, 1062, 2013, 1927} <= retry.RETRYABLE_CODES
    assert 1064 not in retry.RETRYABLE_CODES
    del IntegrityError
