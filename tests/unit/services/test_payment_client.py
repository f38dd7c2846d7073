"""olympix.services.payment_gateway: the sandbox client against a loopback sandboxpay, and the signatures."""

import json
import socket
import time
import urllib.parse

import pytest
from pyramid import testing
from webtest import TestApp
from zope.interface.verify import verifyObject

from olympix.interfaces import IPaymentGateway
from olympix.services.payment_gateway import (Checkout, InvalidSignature, PaymentProviderError,
                                              SandboxPaymentGateway, sign_notification,
                                              sign_return)
from sandboxpay import make_app
from sandboxpay.signing import SIGNATURE_HEADER
from sandboxpay.testing import LoopbackServer, NotificationReceiver

API_KEY = "sk_test_client"
SECRET = "whsec_client"


@pytest.fixture
def sandbox():
    app = make_app({"sandboxpay.api_key": API_KEY, "sandboxpay.webhook_secret": SECRET,
                    "sandboxpay.notify_delay": "0.2"})
    with LoopbackServer(app) as server:
        app.public_url = server.url
        yield app, server
    app.notifier.join(1)


@pytest.fixture
def gateway(sandbox):
    return SandboxPaymentGateway(sandbox[1].url, API_KEY, SECRET, timeout=5)


@pytest.fixture
def receiver():
    with NotificationReceiver() as server:
        yield server


def checkout(gateway, receiver, amount=4500, key="order-7-1"):
    return gateway.create_checkout(
        reference="O-7", amount_cents=amount, currency="EUR",
        description="Swimming — Family", success_url="http://127.0.0.1:9/paid",
        cancel_url="http://127.0.0.1:9/cancel", notify_url=receiver.url,
        idempotency_key=key)


def buyer_pays(sandbox, url, number="4242424242424242", action="pay"):
    """The buyer's browser on the hosted page (in process, same sandbox store)."""
    browser = TestApp(sandbox[0])
    form = browser.get(urllib.parse.urlsplit(url).path).forms[0]
    year = time.gmtime().tm_year % 100 + 2
    form["holder"], form["number"], form["expiry"], form["cvc"] = (
        "Ada Lovelace", number, f"12/{year:02d}", "123")
    return form.submit("action", value=action, status=303)


def test_gateway_provides_the_interface(gateway):
    assert verifyObject(IPaymentGateway, gateway)
    # What it stores on payments, and where its notifications carry their signature.
    assert (gateway.name, gateway.signature_header) == ("sandboxpay", SIGNATURE_HEADER)


# -- SandboxPaymentGateway against a real loopback sandboxpay -------------------------

def test_checkout_pay_and_state(sandbox, gateway, receiver):
    created = checkout(gateway, receiver)
    assert isinstance(created, Checkout)
    assert created.url == f"{sandbox[1].url}/pay/{created.id}"
    assert checkout(gateway, receiver).id == created.id  # idempotent retry
    assert checkout(gateway, receiver, key="order-7-2").id != created.id
    state = gateway.get_checkout(created.id)
    assert (state.status, state.amount, state.payment_id) == ("open", 4500, None)

    redirect = buyer_pays(sandbox, created.url)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect.location).query))
    assert gateway.verify_return(params) == (created.id, "paid")

    state = gateway.get_checkout(created.id)
    assert (state.status, state.brand, state.last4) == ("paid", "visa", "4242")
    assert state.payment_id.startswith("pay_") and state.reference == "O-7"

    [received] = receiver.wait_for(1)
    event = gateway.verify_notification(received.body, received.headers[gateway.signature_header])
    assert event["type"] == "checkout.session.completed"
    assert event["data"]["payment"] == state.payment_id
    assert event["data"]["reference"] == "O-7"


def test_declined_checkout_state(sandbox, gateway, receiver):
    created = checkout(gateway, receiver)
    buyer_pays(sandbox, created.url, number="4000000000009995")
    state = gateway.get_checkout(created.id)
    assert (state.status, state.failure_reason) == ("failed", "insufficient_funds")
    [received] = receiver.wait_for(1)
    event = gateway.verify_notification(received.body, received.headers[gateway.signature_header])
    assert event["type"] == "checkout.session.failed"


def test_refunds(sandbox, gateway, receiver):
    created = checkout(gateway, receiver, amount=3000)
    buyer_pays(sandbox, created.url)
    payment_id = gateway.get_checkout(created.id).payment_id
    first = gateway.refund(payment_id, 1000, idempotency_key="refund-1")
    assert (first.payment_id, first.amount, first.status) == (payment_id, 1000, "succeeded")
    assert gateway.refund(payment_id, 1000, idempotency_key="refund-1") == first
    with pytest.raises(PaymentProviderError) as caught:
        gateway.refund(payment_id, 2001, idempotency_key="refund-2")
    assert (caught.value.status, caught.value.code) == (400, "amount_too_large")
    rest = gateway.refund(payment_id, None, idempotency_key="refund-3")
    assert rest.amount == 2000
    assert gateway.get_checkout(created.id).amount_refunded == 3000


def test_provider_errors(sandbox, receiver):
    wrong = SandboxPaymentGateway(sandbox[1].url, "sk_test_wrong", SECRET, timeout=5)
    with pytest.raises(PaymentProviderError) as caught:
        checkout(wrong, receiver)
    assert (caught.value.status, caught.value.code) == (401, "invalid_api_key")
    right = SandboxPaymentGateway(sandbox[1].url, API_KEY, SECRET, timeout=5)
    with pytest.raises(PaymentProviderError) as caught:
        right.get_checkout("cs_test_unknown")
    assert caught.value.status == 404
    with pytest.raises(PaymentProviderError) as caught:
        checkout(right, receiver, amount=0)
    assert caught.value.status == 400


def test_unreachable_provider():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gateway = SandboxPaymentGateway(f"http://127.0.0.1:{port}", API_KEY, SECRET, timeout=1)
    with pytest.raises(PaymentProviderError) as caught:
        gateway.get_checkout("cs_test_x")
    assert caught.value.status is None


def test_provider_timeout():
    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        gateway = SandboxPaymentGateway(f"http://127.0.0.1:{port}", API_KEY, SECRET,
                                        timeout=0.2)
        started = time.monotonic()
        with pytest.raises(PaymentProviderError):
            gateway.get_checkout("cs_test_x")
        assert time.monotonic() - started < 1


# -- signatures ------------------------------------------------------------------

NOW = 1_800_000_000
BODY = json.dumps({"id": "evt_1", "type": "checkout.session.completed",
                   "data": {"id": "cs_1", "status": "paid"}}).encode()


@pytest.fixture
def verifier():
    return SandboxPaymentGateway("http://127.0.0.1:1", API_KEY, SECRET)


def test_notification_signature_accepted(verifier):
    header = sign_notification(SECRET, BODY, NOW)
    assert verifier.verify_notification(BODY, header, now=NOW + 299)["id"] == "evt_1"


@pytest.mark.parametrize("body, header, now", [
    (BODY.replace(b"paid", b"PAID"), sign_notification(SECRET, BODY, NOW), NOW),
    (BODY, sign_notification(SECRET, BODY, NOW)[:-1] + "0", NOW),
    (BODY, sign_notification("whsec_other", BODY, NOW), NOW),
    (BODY, sign_notification(SECRET, BODY, NOW), NOW + 301),  # too old
    (BODY, sign_notification(SECRET, BODY, NOW + 400), NOW),  # from the future
    (BODY, sign_notification(SECRET, BODY, NOW).replace(f"t={NOW}", f"t={NOW + 1}"), NOW),
    (BODY, "", NOW), (BODY, None, NOW), (BODY, "v1=abc", NOW), (BODY, f"t={NOW}", NOW),
    (b"not json", sign_notification(SECRET, b"not json", NOW), NOW),
])
def test_bad_notifications_refused(verifier, body, header, now):
    with pytest.raises(InvalidSignature):
        verifier.verify_notification(body, header, now=now)


def test_return_signature(verifier):
    params = sign_return(SECRET, "cs_1", "paid", NOW)
    assert verifier.verify_return(params, now=NOW + 60) == ("cs_1", "paid")
    for change in ({"status": "failed"}, {"session_id": "cs_2"}, {"t": str(NOW + 1)},
                   {"sig": "0" * 64}, {"status": "bogus"}, {"t": "x"}):
        with pytest.raises(InvalidSignature):
            verifier.verify_return({**params, **change}, now=NOW)
    with pytest.raises(InvalidSignature):
        verifier.verify_return({k: v for k, v in params.items() if k != "sig"}, now=NOW)
    with pytest.raises(InvalidSignature):
        verifier.verify_return(params, now=NOW + 3601)


# -- create_service ----------------------------------------------------------------

def test_create_service_reads_settings():
    testing.setUp(settings={
        "olympix.payment.url": "http://127.0.0.1:6544/",
        "olympix.payment.api_key": "sk_x", "olympix.payment.webhook_secret": "whsec_x"})
    try:
        request = testing.DummyRequest()
        gateway = SandboxPaymentGateway.create_service(None, request)
        assert (gateway.base_url, gateway.api_key, gateway.webhook_secret) == (
            "http://127.0.0.1:6544", "sk_x", "whsec_x")
    finally:
        testing.tearDown()
