"""Card payment through a hosted-checkout provider.

olympix never sees a card number: it creates a checkout session at the
provider, sends the buyer to the provider's hosted page, and learns the
outcome from a signed notification (webhook) and a signed return redirect.

- ``IPaymentGateway`` (in ``services/interfaces.py``): what views depend on;
  ``services.includeme`` registers the class named by the dotted setting
  ``olympix.payment.backend`` (default ``SandboxPaymentGateway``).
- ``SandboxPaymentGateway``: talks HTTP/JSON to ``sandboxpay`` (or any
  provider speaking the same API).
- ``FakePaymentGateway``: in-memory double for unit and functional tests.

Settings: ``olympix.payment.url``, ``olympix.payment.api_key``,
``olympix.payment.webhook_secret``, optional ``olympix.payment.timeout``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from zope.interface import implementer

from ..interfaces import IPaymentGateway

SIGNATURE_HEADER = "Sandbox-Signature"
NOTIFICATION_TOLERANCE = 300  # seconds a notification signature stays acceptable
RETURN_TOLERANCE = 3600  # seconds a signed return link stays acceptable
STATUSES = ("open", "paid", "failed", "canceled", "expired")


class PaymentProviderError(Exception):
    """The provider could not be reached or refused the request."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.code = status, code


class InvalidSignature(Exception):
    """A notification or return redirect is not signed by the provider (or too old)."""


@dataclass(frozen=True)
class Checkout:
    id: str
    url: str


@dataclass(frozen=True)
class CheckoutState:
    status: str  # open | paid | failed | canceled | expired
    amount: int
    brand: str | None = None
    last4: str | None = None
    payment_id: str | None = None
    id: str | None = None
    reference: str | None = None
    currency: str = "EUR"
    failure_reason: str | None = None
    amount_refunded: int = 0

    @classmethod
    def from_json(cls, data: dict) -> "CheckoutState":
        return cls(status=data["status"], amount=data["amount"], brand=data.get("brand"),
                   last4=data.get("last4"), payment_id=data.get("payment"),
                   id=data.get("id"), reference=data.get("reference"),
                   currency=data.get("currency", "EUR"),
                   failure_reason=data.get("failure_reason"),
                   amount_refunded=data.get("amount_refunded", 0))


@dataclass(frozen=True)
class Refund:
    id: str
    payment_id: str
    amount: int
    currency: str = "EUR"
    status: str = "succeeded"

    @classmethod
    def from_json(cls, data: dict) -> "Refund":
        return cls(id=data["id"], payment_id=data["payment"], amount=data["amount"],
                   currency=data.get("currency", "EUR"),
                   status=data.get("status", "succeeded"))


# -- signatures (the merchant side of sandboxpay.signing) ---------------------

def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_notification(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={int(timestamp)},v1={_hmac(secret, f'{int(timestamp)}.'.encode() + body)}"


def sign_return(secret: str, session_id: str, status: str, timestamp: int) -> dict:
    sig = _hmac(secret, f"{int(timestamp)}.{session_id}.{status}".encode("utf-8"))
    return {"session_id": session_id, "status": status, "t": str(int(timestamp)),
            "sig": sig}


def _fresh(timestamp: int, now: float | None, tolerance: int) -> None:
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance")


def verify_notification(secret: str, body: bytes, signature_header: str | None,
                        now: float | None = None,
                        tolerance: int = NOTIFICATION_TOLERANCE) -> dict:
    if isinstance(body, str):
        body = body.encode("utf-8")
    timestamp, signatures = None, []
    for item in (signature_header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidSignature("malformed signature header")
    expected = _hmac(secret, f"{timestamp}.".encode() + body)
    if not any(hmac.compare_digest(expected.encode(), s.encode("utf-8", "replace"))
               for s in signatures):
        raise InvalidSignature("signature mismatch")
    _fresh(timestamp, now, tolerance)
    try:
        event = json.loads(body)
    except (ValueError, RecursionError) as exc:  # not JSON, or nested too deep to parse
        raise InvalidSignature("body is not JSON") from exc
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise InvalidSignature("unexpected notification shape")
    return event


def verify_return(secret: str, params, now: float | None = None,
                  tolerance: int = RETURN_TOLERANCE) -> tuple[str, str]:
    try:
        session_id, status = str(params["session_id"]), str(params["status"])
        t, sig = str(params["t"]), str(params["sig"])
    except KeyError as exc:
        raise InvalidSignature(f"missing {exc.args[0]}") from exc
    if not t.isdigit() or status not in STATUSES:
        raise InvalidSignature("malformed return parameters")
    expected = sign_return(secret, session_id, status, int(t))["sig"]
    if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        raise InvalidSignature("signature mismatch")
    _fresh(int(t), now, tolerance)
    return session_id, status


class _SignatureChecks:
    webhook_secret: str

    def verify_notification(self, body, signature_header, now=None):
        return verify_notification(self.webhook_secret, body, signature_header, now)

    def verify_return(self, params, now=None):
        return verify_return(self.webhook_secret, params, now)


def _settings(request) -> dict:
    return request.registry.settings or {}


# -- the real client -----------------------------------------------------------

@implementer(IPaymentGateway)
class SandboxPaymentGateway(_SignatureChecks):
    """HTTP/JSON client of the sandboxpay API."""

    def __init__(self, base_url: str, api_key: str, webhook_secret: str,
                 timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.timeout = timeout
        # No proxy from the environment: the sandbox runs beside olympix.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @classmethod
    def create_service(cls, context, request):
        settings = _settings(request)
        return cls(settings["olympix.payment.url"], settings["olympix.payment.api_key"],
                   settings["olympix.payment.webhook_secret"],
                   float(settings.get("olympix.payment.timeout", 10)))

    def _call(self, method: str, path: str, payload: dict | None = None,
              idempotency_key: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.api_key}",
                   "Accept": "application/json"}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers=headers)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            code, message = None, f"HTTP {exc.code}"
            try:
                error = json.loads(exc.read()).get("error", {})
                code, message = error.get("code"), error.get("message", message)
            except (ValueError, AttributeError, OSError):
                pass
            raise PaymentProviderError(message, status=exc.code, code=code) from exc
        except (OSError, ValueError) as exc:  # URLError, timeouts, bad JSON
            raise PaymentProviderError(f"payment provider unreachable: {exc}") from exc

    def create_checkout(self, reference, amount_cents, currency, description, success_url,
                        cancel_url, notify_url, idempotency_key):
        data = self._call("POST", "/v1/checkout/sessions", {
            "amount": amount_cents, "currency": currency, "reference": reference,
            "description": description, "success_url": success_url,
            "cancel_url": cancel_url, "notify_url": notify_url,
        }, idempotency_key)
        return Checkout(id=data["id"], url=data["url"])

    def get_checkout(self, checkout_id):
        quoted = urllib.parse.quote(checkout_id, safe="")
        return CheckoutState.from_json(self._call("GET", f"/v1/checkout/sessions/{quoted}"))

    def refund(self, payment_id, amount_cents, idempotency_key):
        payload = {"payment": payment_id}
        if amount_cents is not None:
            payload["amount"] = amount_cents
        return Refund.from_json(self._call("POST", "/v1/refunds", payload, idempotency_key))


# -- the test double -------------------------------------------------------------

@dataclass(frozen=True)
class FakeOutcome:
    """What the provider would send after the buyer acts on the hosted page."""

    state: CheckoutState
    notification_body: bytes | None
    signature_header: str | None
    return_params: dict


@implementer(IPaymentGateway)
class FakePaymentGateway(_SignatureChecks):
    """In-memory, deterministic provider for tests.

    Amounts ending in 02 cents are declined, every other amount is paid.
    ``pay(checkout_id)`` / ``cancel(checkout_id)`` play the buyer's part and
    return a ``FakeOutcome`` with a correctly signed notification and return
    parameters to feed into olympix's views.
    """

    REGISTRY_KEY = "olympix.payment.fake_gateway"

    def __init__(self, webhook_secret: str = "whsec_fake",
                 base_url: str = "https://pay.invalid"):
        self.webhook_secret = webhook_secret
        self.base_url = base_url.rstrip("/")
        self.sessions: dict[str, dict] = {}
        self.refunds: dict[str, Refund] = {}
        self._idempotency: dict[tuple[str, str], tuple[object, str]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    @classmethod
    def create_service(cls, context, request):
        """One shared instance per registry, so state survives across requests."""
        registry = request.registry
        with _FAKE_LOCK:
            gateway = registry.get(cls.REGISTRY_KEY) if hasattr(registry, "get") else None
            if gateway is None:
                settings = _settings(request)
                gateway = cls(settings.get("olympix.payment.webhook_secret", "whsec_fake"),
                              settings.get("olympix.payment.url", "https://pay.invalid"))
                registry[cls.REGISTRY_KEY] = gateway
            return gateway

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake_{next(self._ids):06d}"

    def _replay(self, scope, key, fingerprint):
        if not key:
            return None
        found = self._idempotency.get((scope, key))
        if found is None:
            return None
        value, seen = found
        if seen != fingerprint:
            raise PaymentProviderError("idempotency key reused with other parameters",
                                       status=400, code="idempotency_key_in_use")
        return value

    def create_checkout(self, reference, amount_cents, currency, description, success_url,
                        cancel_url, notify_url, idempotency_key):
        if type(amount_cents) is not int or amount_cents <= 0 or currency != "EUR":
            raise PaymentProviderError("invalid amount or currency", status=400,
                                       code="parameter_invalid")
        fingerprint = repr((reference, amount_cents, currency, description, success_url,
                            cancel_url, notify_url))
        with self._lock:
            replay = self._replay("session", idempotency_key, fingerprint)
            if replay is not None:
                return replay
            checkout_id = self._new_id("cs")
            checkout = Checkout(checkout_id, f"{self.base_url}/pay/{checkout_id}")
            self.sessions[checkout.id] = {
                "id": checkout.id, "reference": reference, "amount": amount_cents,
                "currency": currency, "description": description,
                "success_url": success_url, "cancel_url": cancel_url,
                "notify_url": notify_url, "status": "open", "brand": None,
                "last4": None, "payment": None, "failure_reason": None,
                "amount_refunded": 0,
            }
            if idempotency_key:
                self._idempotency[("session", idempotency_key)] = (checkout, fingerprint)
            return checkout

    def _session(self, checkout_id) -> dict:
        try:
            return self.sessions[checkout_id]
        except KeyError:
            raise PaymentProviderError(f"No such checkout session: {checkout_id}",
                                       status=404, code="resource_missing") from None

    def get_checkout(self, checkout_id):
        with self._lock:
            return CheckoutState.from_json(self._session(checkout_id))

    def pay(self, checkout_id, now: int | None = None) -> FakeOutcome:
        """The buyer submits a card: paid, or declined when amount ends in 02 cents."""
        now = int(time.time() if now is None else now)
        with self._lock:
            session = self._session(checkout_id)
            if session["status"] == "open":
                session.update(brand="visa", last4="4242")
                if session["amount"] % 100 == 2:
                    session.update(status="failed", failure_reason="card_declined")
                else:
                    session.update(status="paid", payment=self._new_id("pay"))
            data = dict(session)
        event_type = ("checkout.session.completed" if data["status"] == "paid"
                      else "checkout.session.failed")
        event = {"id": self._new_id("evt"), "object": "event", "type": event_type,
                 "created": now, "data": data}
        body = json.dumps(event, sort_keys=True).encode("utf-8")
        return FakeOutcome(CheckoutState.from_json(data), body,
                           sign_notification(self.webhook_secret, body, now),
                           sign_return(self.webhook_secret, checkout_id, data["status"], now))

    def cancel(self, checkout_id, now: int | None = None) -> FakeOutcome:
        now = int(time.time() if now is None else now)
        with self._lock:
            session = self._session(checkout_id)
            if session["status"] == "open":
                session["status"] = "canceled"
            data = dict(session)
        return FakeOutcome(CheckoutState.from_json(data), None, None,
                           sign_return(self.webhook_secret, checkout_id, data["status"], now))

    def refund(self, payment_id, amount_cents, idempotency_key):
        fingerprint = repr((payment_id, amount_cents))
        with self._lock:
            replay = self._replay("refund", idempotency_key, fingerprint)
            if replay is not None:
                return replay
            session = next((s for s in self.sessions.values()
                            if s["payment"] == payment_id), None)
            if session is None:
                raise PaymentProviderError(f"No such payment: {payment_id}", status=404,
                                           code="resource_missing")
            remaining = session["amount"] - session["amount_refunded"]
            amount = remaining if amount_cents is None else amount_cents
            if type(amount) is not int or (amount_cents is not None and amount <= 0):
                raise PaymentProviderError("amount must be a positive integer",
                                           status=400, code="parameter_invalid_integer")
            if amount <= 0 or amount > remaining:
                raise PaymentProviderError("refund amount exceeds the refundable amount",
                                           status=400, code="amount_too_large")
            session["amount_refunded"] += amount
            refund = Refund(self._new_id("re"), payment_id, amount, session["currency"])
            self.refunds[refund.id] = refund
            if idempotency_key:
                self._idempotency[("refund", idempotency_key)] = (refund, fingerprint)
            return refund


_FAKE_LOCK = threading.Lock()
