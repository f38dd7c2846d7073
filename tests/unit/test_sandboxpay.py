"""sandboxpay: the sandbox hosted-checkout provider, through WebTest and loopback HTTP."""

import datetime
import hashlib
import hmac
import json
import re
import socket
import threading
import time
import urllib.parse

import pytest
from webtest import TestApp

from sandboxpay import cards, make_app
from sandboxpay.server import parse_args
from sandboxpay.signing import sign_body, sign_return
from sandboxpay.store import Store
from sandboxpay.testing import NotificationReceiver

API_KEY = "sk_test_unit"
SECRET = "whsec_unit"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
SUCCESS_URL = "http://127.0.0.1:9/shop/paid?order=O-1"
CANCEL_URL = "http://127.0.0.1:9/shop/cancel"


def future_expiry(years=3):
    today = datetime.date.today()
    return f"{today.month:02d}/{(today.year + years) % 100:02d}"


@pytest.fixture
def receiver():
    with NotificationReceiver() as server:
        yield server


@pytest.fixture
def wsgi_app():
    app = make_app({
        "sandboxpay.api_key": API_KEY,
        "sandboxpay.webhook_secret": SECRET,
        "sandboxpay.public_url": "http://pay.test",
        "sandboxpay.db": ":memory:",
        "sandboxpay.notify_delay": "0.2",
        "sandboxpay.notify_timeout": "2",
        "sandboxpay.notify_backoff": "0.05",
    })
    yield app
    app.notifier.join(1)
    app.notifier.cancel()


@pytest.fixture
def app(wsgi_app):
    return TestApp(wsgi_app)


def create(app, receiver, amount=4500, key=None, **extra):
    payload = {"amount": amount, "currency": "EUR", "reference": "O-1",
               "description": "Athletics — 2 × Solo", "success_url": SUCCESS_URL,
               "cancel_url": CANCEL_URL, "notify_url": receiver.url}
    payload.update(extra)
    headers = dict(AUTH)
    if key:
        headers["Idempotency-Key"] = key
    return app.post_json("/v1/checkout/sessions", payload, headers=headers).json


def pay(app, session_id, number="4242424242424242", expiry=None, cvc="123",
        holder="Ada Lovelace", action="pay"):
    form = app.get(f"/pay/{session_id}").forms[0]
    form["holder"], form["number"] = holder, number
    form["expiry"], form["cvc"] = expiry or future_expiry(), cvc
    return form.submit("action", value=action)


def state(app, session_id):
    return app.get(f"/v1/checkout/sessions/{session_id}", headers=AUTH).json


def assert_signed_return(location, base, session_id, status):
    parts = urllib.parse.urlsplit(location)
    assert location.startswith(base.split("?")[0])
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert query["session_id"] == session_id and query["status"] == status
    assert query["sig"] == sign_return(SECRET, session_id, status, int(query["t"]))
    return query


def assert_signed_notification(received):
    header = received.headers["Sandbox-Signature"]
    match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header)
    assert match, header
    t = match.group(1)
    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + received.body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, match.group(2))
    assert received.headers["Content-Type"] == "application/json"
    return json.loads(received.body)


# -- cards ------------------------------------------------------------------------

@pytest.mark.parametrize("number, brand", [
    ("4242424242424242", "visa"), ("5555555555554444", "mastercard"),
    ("2223003122003222", "mastercard"), ("378282246310005", "amex"),
    ("6011111111111117", "unknown"),
])
def test_brand_from_iin(number, brand):
    assert cards.luhn_ok(number)
    assert cards.brand_of(number) == brand


def test_every_test_card_passes_luhn():
    for card in cards.TEST_CARDS:
        assert cards.luhn_ok(card.number)
    assert not cards.luhn_ok("4242424242424241")


def test_expiry_this_month_is_valid_last_month_is_not():
    today = datetime.date(2030, 5, 17)
    assert cards.check_card("A", "4242424242424242", "05/30", "123", today).ok
    check = cards.check_card("A", "4242424242424242", "04/30", "123", today)
    assert check.errors == {"expiry": "The card has expired."}
    assert check.last4 is None and check.brand is None


# -- API ---------------------------------------------------------------------------

def test_create_and_get_session(app, receiver):
    session = create(app, receiver)
    assert session["status"] == "open"
    assert re.fullmatch(r"cs_test_[0-9a-f]{24}", session["id"])
    assert session["url"] == f"http://pay.test/pay/{session['id']}"
    got = state(app, session["id"])
    assert got["amount"] == 4500 and got["currency"] == "EUR"
    assert got["reference"] == "O-1"
    assert got["payment"] is None and got["brand"] is None and got["last4"] is None


def test_idempotency_key_returns_the_same_session(app, receiver):
    first = create(app, receiver, key="order-1-attempt-1")
    again = create(app, receiver, key="order-1-attempt-1")
    other = create(app, receiver, key="order-1-attempt-2")
    assert again["id"] == first["id"]
    assert other["id"] != first["id"]
    response = app.post_json("/v1/checkout/sessions", {
        "amount": 999, "currency": "EUR", "reference": "O-1", "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL, "notify_url": receiver.url,
    }, headers={**AUTH, "Idempotency-Key": "order-1-attempt-1"}, status=400)
    assert response.json["error"]["type"] == "idempotency_error"


def test_concurrent_requests_with_one_idempotency_key_make_one_session():
    store = Store(":memory:")
    params = {"amount": 100, "currency": "EUR", "reference": "R", "description": "",
              "success_url": "http://a/", "cancel_url": "http://a/", "notify_url": "http://a/"}
    ids = []

    def worker():
        ids.append(store.create_session(params, 60, "same-key")[0]["id"])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8 and len(set(ids)) == 1


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer sk_test_wrong"}, {"Authorization": f"Basic {API_KEY}"},
])
def test_bad_api_key_is_401_json(app, headers):
    response = app.post_json("/v1/checkout/sessions", {"amount": 100}, headers=headers,
                             status=401)
    assert response.content_type == "application/json"
    assert response.json["error"]["type"] == "authentication_error"
    app.get("/v1/checkout/sessions/cs_test_x", headers=headers, status=401)
    app.post_json("/v1/refunds", {"payment": "pay_x"}, headers=headers, status=401)


@pytest.mark.parametrize("change, param", [
    ({"amount": 0}, "amount"), ({"amount": "12"}, "amount"), ({"amount": 1.5}, "amount"),
    ({"amount": True}, "amount"), ({"currency": "USD"}, "currency"),
    ({"reference": ""}, "reference"), ({"success_url": "javascript:alert(1)"}, "success_url"),
    ({"notify_url": None}, "notify_url"),
])
def test_invalid_session_parameters_are_400(app, receiver, change, param):
    payload = {"amount": 100, "currency": "EUR", "reference": "R", "success_url": SUCCESS_URL,
               "cancel_url": CANCEL_URL, "notify_url": receiver.url, **change}
    response = app.post_json("/v1/checkout/sessions", payload, headers=AUTH, status=400)
    assert response.json["error"]["param"] == param


def test_unknown_session_is_404(app):
    response = app.get("/v1/checkout/sessions/cs_test_nope", headers=AUTH, status=404)
    assert response.json["error"]["code"] == "resource_missing"
    app.get("/pay/cs_test_nope", status=404)


def test_bad_json_is_400(app):
    app.post("/v1/checkout/sessions", "{nope", headers={**AUTH, "Content-Type":
             "application/json"}, status=400)


# -- hosted page --------------------------------------------------------------------

def test_hosted_page_shows_amount_description_and_accessible_form(app, receiver):
    session = create(app, receiver, amount=123456)
    page = app.get(f"/pay/{session['id']}")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "€1,234.56" in page.text
    assert "Athletics — 2 × Solo" in page.text
    for field in ("holder", "number", "expiry", "cvc"):
        assert page.html.find("label", attrs={"for": field}) is not None
        assert page.html.find("input", id=field) is not None
    assert "Test mode" in page.text and "4000000000003220" in page.text
    assert "<script" not in page.text


@pytest.mark.parametrize("number, expiry, cvc, field, message", [
    ("4242424242424241", None, "123", "number", "not valid"),
    ("4242 42", None, "123", "number", "not valid"),
    ("", None, "123", "number", "Enter the card number"),
    ("4242424242424242", "01/20", "123", "expiry", "expired"),
    ("4242424242424242", "13/40", "123", "expiry", "MM/YY"),
    ("4242424242424242", None, "12", "cvc", "3 or 4 digits"),
    ("4242424242424242", None, "12a", "cvc", "3 or 4 digits"),
    ("378282246310005", None, "123", "cvc", "4 digits"),
    ("4242424242424242", None, "1234", "cvc", "3 digits"),
])
def test_form_errors_rerender_without_the_card_number(app, receiver, number, expiry, cvc,
                                                      field, message):
    session = create(app, receiver)
    page = pay(app, session["id"], number=number, expiry=expiry, cvc=cvc)
    assert page.status_int == 200
    error = page.html.find(id=f"{field}-error")
    assert error is not None and message in error.text
    assert page.html.find("input", id=field)["aria-invalid"] == "true"
    assert page.html.find("input", id="holder")["value"] == "Ada Lovelace"
    assert page.html.find("input", id="number").get("value") is None
    assert page.html.find("input", id="cvc").get("value") is None
    assert state(app, session["id"])["status"] == "open"
    assert receiver.received == []


def test_success_card_redirects_signed_and_notifies(app, receiver):
    session = create(app, receiver)
    response = pay(app, session["id"])
    assert response.status_int == 303
    query = assert_signed_return(response.location, SUCCESS_URL, session["id"], "paid")
    assert "order=O-1" in response.location
    paid = state(app, session["id"])
    assert paid["status"] == "paid" and paid["brand"] == "visa" and paid["last4"] == "4242"
    assert re.fullmatch(r"pay_[0-9a-f]{24}", paid["payment"])
    [received] = receiver.wait_for(1)  # delivered before the redirect
    event = assert_signed_notification(received)
    assert event["type"] == "checkout.session.completed"
    assert event["data"]["reference"] == "O-1" and event["data"]["amount"] == 4500
    assert event["data"]["payment"] == paid["payment"]
    assert event["data"]["last4"] == "4242" and event["data"]["status"] == "paid"
    assert "4242424242424242" not in received.body.decode()
    assert int(query["t"]) > 0


def test_paid_session_cannot_be_paid_again(app, receiver):
    session = create(app, receiver)
    form = app.get(f"/pay/{session['id']}").forms[0]
    form["holder"], form["number"] = "Ada", "5555555555554444"
    form["expiry"], form["cvc"] = future_expiry(), "123"
    form.submit("action", value="pay", status=303)
    second = form.submit("action", value="pay", status=303)  # double submit
    assert second.location == session["url"]
    page = app.get(f"/pay/{session['id']}")
    assert "already been paid" in page.text and "Mastercard ending in 4444" in page.text
    assert page.html.find("form") is None
    link = page.html.find("a", string=re.compile("Return to"))["href"]
    assert_signed_return(link, SUCCESS_URL, session["id"], "paid")
    assert len(receiver.wait_for(1)) == 1
    assert state(app, session["id"])["last4"] == "4444"


@pytest.mark.parametrize("number, reason, message", [
    ("4000000000000002", "card_declined", "Your card was declined."),
    ("4000000000009995", "insufficient_funds", "Your card has insufficient funds."),
])
def test_declined_cards(app, receiver, number, reason, message):
    session = create(app, receiver)
    response = pay(app, session["id"], number=number)
    assert response.status_int == 303 and response.location == session["url"]
    page = response.follow()
    assert message in page.text and page.html.find("form") is None
    link = page.html.find("a", string="Return to Olympix")["href"]
    assert_signed_return(link, CANCEL_URL, session["id"], "failed")
    failed = state(app, session["id"])
    assert failed["status"] == "failed" and failed["failure_reason"] == reason
    assert failed["payment"] is None
    [received] = receiver.wait_for(1)
    event = assert_signed_notification(received)
    assert event["type"] == "checkout.session.failed"
    assert event["data"]["failure_reason"] == reason
    assert event["data"]["failure_message"] == message


def test_lost_notification_card(app, wsgi_app, receiver):
    session = create(app, receiver)
    response = pay(app, session["id"], number="4000000000000341")
    assert_signed_return(response.location, SUCCESS_URL, session["id"], "paid")
    assert state(app, session["id"])["status"] == "paid"
    wsgi_app.notifier.join(1)  # nothing pending either
    assert receiver.received == []


def test_delayed_notification_card(app, receiver):
    session = create(app, receiver)
    response = pay(app, session["id"], number="4000000000003220")
    assert_signed_return(response.location, SUCCESS_URL, session["id"], "paid")
    assert receiver.received == []  # the buyer is back before the notification
    [received] = receiver.wait_for(1, timeout=1.0)
    event = assert_signed_notification(received)
    assert event["type"] == "checkout.session.completed"
    assert event["data"]["id"] == session["id"]


def test_twice_notification_card(app, receiver):
    session = create(app, receiver)
    pay(app, session["id"], number="4000000000000259")
    received = receiver.wait_for(2)
    assert len(received) == 2
    first, second = (assert_signed_notification(r) for r in received)
    assert first == second  # same event id: the merchant must deduplicate


def test_notification_failure_does_not_break_the_payment(app, receiver):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    session = create(app, receiver, notify_url=f"http://127.0.0.1:{port}/gone")
    response = pay(app, session["id"])
    assert response.status_int == 303
    assert state(app, session["id"])["status"] == "paid"


def test_cancel_button(app, receiver):
    session = create(app, receiver)
    form = app.get(f"/pay/{session['id']}").forms[0]
    response = form.submit("action", value="cancel")
    assert response.status_int == 303
    assert_signed_return(response.location, CANCEL_URL, session["id"], "canceled")
    assert state(app, session["id"])["status"] == "canceled"
    again = form.submit("action", value="pay", status=303)
    assert again.location == session["url"]
    assert state(app, session["id"])["status"] == "canceled"
    assert receiver.received == []


def test_expired_session(wsgi_app, app, receiver):
    session = create(app, receiver)
    later = state(app, session["id"])["expires_at"] + 1
    assert wsgi_app.store.get_session(session["id"], now=later)["status"] == "expired"
    assert state(app, session["id"])["status"] == "expired"
    page = app.get(f"/pay/{session['id']}")
    assert "expired" in page.text and page.html.find("form") is None


# -- refunds -----------------------------------------------------------------------

def paid_payment(app, receiver, amount=4500):
    session = create(app, receiver, amount=amount)
    pay(app, session["id"])
    return state(app, session["id"])["payment"]


def refund(app, payload, key=None, status=200):
    headers = {**AUTH, "Idempotency-Key": key} if key else AUTH
    return app.post_json("/v1/refunds", payload, headers=headers, status=status).json


def test_partial_then_full_refund(app, receiver):
    payment = paid_payment(app, receiver)
    first = refund(app, {"payment": payment, "amount": 1500}, key="r1")
    assert first["amount"] == 1500 and first["status"] == "succeeded"
    assert re.fullmatch(r"re_[0-9a-f]{24}", first["id"])
    rest = refund(app, {"payment": payment}, key="r2")
    assert rest["amount"] == 3000
    error = refund(app, {"payment": payment, "amount": 1}, status=400)
    assert error["error"]["code"] == "charge_already_refunded"


def test_refund_idempotency(app, receiver):
    payment = paid_payment(app, receiver)
    first = refund(app, {"payment": payment, "amount": 1000}, key="same")
    again = refund(app, {"payment": payment, "amount": 1000}, key="same")
    assert again == first
    other = refund(app, {"payment": payment, "amount": 1000}, key="other")
    assert other["id"] != first["id"]


def test_wrong_method_is_405(app):
    response = app.get("/v1/checkout/sessions", headers=AUTH, status=405)
    assert response.headers["Allow"] == "POST"


def test_over_refund_is_400(app, receiver):
    payment = paid_payment(app, receiver, amount=2000)
    error = refund(app, {"payment": payment, "amount": 2001}, status=400)
    assert error["error"]["code"] == "amount_too_large"
    refund(app, {"payment": payment, "amount": 1500})
    error = refund(app, {"payment": payment, "amount": 501}, status=400)
    assert error["error"]["code"] == "amount_too_large"
    assert refund(app, {"payment": payment, "amount": 500})["amount"] == 500


def test_refund_validation(app):
    assert refund(app, {"payment": "pay_nope"}, status=404)["error"]["code"] == \
        "resource_missing"
    refund(app, {}, status=400)
    refund(app, {"payment": "pay_nope", "amount": -5}, status=400)


# -- signing, storage, server --------------------------------------------------------

def test_signature_format():
    header = sign_body("s", b'{"a":1}', 1700000000)
    expected = hmac.new(b"s", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert sign_return("s", "cs_1", "paid", 1700000000) == hmac.new(
        b"s", b"1700000000.cs_1.paid", hashlib.sha256).hexdigest()


def test_sqlite_file_persists(tmp_path, receiver):
    path = str(tmp_path / "var" / "sandboxpay.sqlite")
    settings = {"sandboxpay.db": path, "sandboxpay.api_key": API_KEY}
    session = create(TestApp(make_app(settings)), receiver)
    reopened = TestApp(make_app(settings))
    assert state(reopened, session["id"])["status"] == "open"


def test_server_arguments():
    args = parse_args([])
    assert (args.port, args.db, args.host) == (6544, "var/sandboxpay.sqlite", "127.0.0.1")
    assert (args.api_key, args.webhook_secret) == ("sk_test_olympix", "whsec_olympix")
    args = parse_args(["--port", "7000", "--db", ":memory:", "--notify-delay", "0.5"])
    assert (args.port, args.db, args.notify_delay) == (7000, ":memory:", 0.5)


class FlakyMerchant:
    """A webhook receiver that answers ``statuses`` in turn (then 200), like a merchant in an outage."""

    def __init__(self, statuses):
        import http.server

        self.statuses, self.received, self.times = list(statuses), [], []
        merchant = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                merchant.received.append(json.loads(body))
                merchant.times.append(time.monotonic())
                self.send_response(merchant.statuses.pop(0) if merchant.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_failed_notifications_are_retried_with_backoff_until_answered(app, wsgi_app):
    merchant = FlakyMerchant([503, 500, 503])
    try:
        session = create(app, merchant, notify_url=merchant.url)
        pay(app, session["id"])
        wsgi_app.notifier.join(5)
        assert len(merchant.received) == 4  # three refusals, then delivered: no more
        assert len({e["id"] for e in merchant.received}) == 1  # the same event each time
        gaps = [b - a for a, b in zip(merchant.times, merchant.times[1:])]
        assert gaps[0] >= 0.04 and gaps[2] >= 0.15 and gaps[2] > gaps[0]  # 0.05, 0.1, 0.2 s
    finally:
        merchant.close()


def test_notification_retries_are_bounded(wsgi_app):
    from sandboxpay.notify import Notifier

    merchant = FlakyMerchant([503] * 10)
    try:
        notifier = Notifier(SECRET, retries=2, backoff=0.01)
        notifier.deliver(merchant.url, {"id": "evt_1", "type": "checkout.session.completed", "data": {}})
        notifier.join(2)
        assert len(merchant.received) == 3  # the first attempt and two retries
    finally:
        merchant.close()


@pytest.mark.parametrize("locale", ["fr", "fr-FR", "fr_FR"])
def test_hosted_page_speaks_the_buyers_language(app, receiver, locale):
    session = create(app, receiver, amount=15000, locale=locale)
    assert session["locale"] == "fr"
    page = app.get(f"/pay/{session['id']}")
    assert page.html.find("html")["lang"] == "fr"
    assert "150,00\u00a0€" in page.text and "€150.00" not in page.text
    assert "Payer Olympix" in page.text  # the merchant's name
    assert page.html.find("label", attrs={"for": "number"}).text == "Numéro de carte"
    form = page.forms[0]
    form["holder"], form["number"], form["expiry"], form["cvc"] = "Ada", "", "12/39", "123"
    again = form.submit("action", value="pay")
    assert "Saisissez le numéro de la carte." in again.text
    declined = page.forms[0]
    declined["holder"], declined["number"], declined["expiry"], declined["cvc"] = "Ada", "4000000000000002", "12/39", "123"
    result = app.get(f"/pay/{session['id']}") if declined.submit("action", value="pay").status_int == 303 else None
    assert "Paiement refusé" in result.text and "Votre carte a été refusée." in result.text


@pytest.mark.parametrize("locale", [None, "de", ""])
def test_an_unknown_or_missing_language_gives_english(app, receiver, locale):
    extra = {} if locale is None else {"locale": locale}
    session = create(app, receiver, amount=15000, **extra)
    assert session["locale"] == "en" and "€150.00" in app.get(f"/pay/{session['id']}").text


def test_a_locale_that_is_not_a_string_is_400(app, receiver):
    response = app.post_json("/v1/checkout/sessions", {
        "amount": 100, "currency": "EUR", "reference": "O-1", "locale": ["fr"], "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL, "notify_url": receiver.url}, headers=dict(AUTH), status=400)
    assert response.json["error"]["param"] == "locale"


def test_an_old_sandbox_file_gets_the_locale_column(tmp_path):
    import sqlite3
    from sandboxpay.store import SCHEMA, Store
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA.replace("    locale TEXT NOT NULL DEFAULT 'en',\n", ""))
    conn.close()
    store = Store(str(path))
    columns = {row["name"] for row in store._conn.execute("PRAGMA table_info(sessions)")}
    store.close()
    assert "locale" in columns
