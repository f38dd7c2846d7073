"""Booking fixtures: events with offers (tests/factories), a buyer, sandboxpay on loopback."""
import contextlib
import socket
from datetime import timedelta

import pytest
import webtest

from tests.factories import catalogue
from tests.functional.booking.journey import API_KEY, WEBHOOK_SECRET
from tests.functional.helpers import sign_in


@pytest.fixture
def make_event(dbsession, clock):
    """A published event with Solo/Duo/Family offers, committed: make_event(capacity=10, starts_in=...)."""

    def make(capacity=50, starts_in=timedelta(hours=6), prices=(4500, 8000, 15000), slug=None):
        event = catalogue.event(dbsession, clock.now() + starts_in, capacity=capacity, prices=prices, slug=slug)
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


@pytest.fixture
def provider_down(app, sandbox):
    """``with provider_down():`` the payment provider's address answers nothing (connection refused)."""

    @contextlib.contextmanager
    def down():
        with socket.socket() as sock:  # a port nobody listens on once closed
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        settings = app.registry.settings
        saved = settings["olympix.payment.url"]
        settings["olympix.payment.url"] = f"http://127.0.0.1:{port}"
        try:
            yield
        finally:
            settings["olympix.payment.url"] = saved

    return down
