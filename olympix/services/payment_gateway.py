"""The card payment provider: its HTTP client and its signatures.

olympix never sees a card number: it creates a checkout session at the
provider, sends the buyer to the provider's hosted page, and learns the
outcome from a signed notification (webhook) and a signed return redirect.
What olympix does with those messages is ``services/payments.py``; this
module only speaks the provider's language.

- ``IPaymentGateway`` (``olympix/interfaces.py``): what services depend on;
  ``services.includeme`` registers the class named by the dotted setting
  ``olympix.payment.backend`` (default ``SandboxPaymentGateway``).
- ``SandboxPaymentGateway``: talks HTTP/JSON to ``sandboxpay`` (or any
  provider speaking the same API). Development and the tests use the
  sandbox itself (``sandboxpay-serve``, or served on loopback by the tests).
- Each gateway says its own ``name`` (stored as ``Payment.provider``) and
  the ``signature_header`` its notifications are signed in.

Settings: ``olympix.payment.url``, ``olympix.payment.api_key``,
``olympix.payment.webhook_secret``, optional ``olympix.payment.timeout``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from zope.interface import implementer

from ..interfaces import IPaymentGateway
from ..models.orders import PaymentStatus

NOTIFICATION_TOLERANCE = 300  # seconds a notification signature stays acceptable
RETURN_TOLERANCE = 3600  # seconds a signed return link stays acceptable
#: What the provider may say about a session (``refunded`` is ours, not its).
PROVIDER_STATUSES = frozenset(PaymentStatus) - {PaymentStatus.REFUNDED}


class PaymentProviderError(Exception):
    """The provider could not be reached, refused the request or answered nonsense."""

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
    """A session as the provider describes it (its API, or a signed notification)."""

    status: PaymentStatus  # one of PROVIDER_STATUSES
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
        """Raises KeyError, TypeError or ValueError when ``data`` is not a session."""
        status = PaymentStatus(data["status"])
        if status not in PROVIDER_STATUSES:
            raise ValueError(f"not a provider status: {status}")
        return cls(status=status, amount=data["amount"], brand=data.get("brand"),
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
    if not t.isdigit() or status not in PROVIDER_STATUSES:
        raise InvalidSignature("malformed return parameters")
    expected = sign_return(secret, session_id, status, int(t))["sig"]
    if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        raise InvalidSignature("signature mismatch")
    _fresh(int(t), now, tolerance)
    return session_id, PaymentStatus(status)


# -- the real client -----------------------------------------------------------

@implementer(IPaymentGateway)
class SandboxPaymentGateway:
    """HTTP/JSON client of the sandboxpay API."""

    name = "sandboxpay"
    signature_header = "Sandbox-Signature"

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
        settings = request.registry.settings or {}
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
                        cancel_url, notify_url, idempotency_key, locale="en"):
        # locale: the hosted page speaks the language the buyer came with.
        data = self._call("POST", "/v1/checkout/sessions", {
            "amount": amount_cents, "currency": currency, "reference": reference,
            "description": description, "locale": locale, "success_url": success_url,
            "cancel_url": cancel_url, "notify_url": notify_url,
        }, idempotency_key)
        return Checkout(id=data["id"], url=data["url"])

    def get_checkout(self, checkout_id):
        quoted = urllib.parse.quote(checkout_id, safe="")
        data = self._call("GET", f"/v1/checkout/sessions/{quoted}")
        try:
            return CheckoutState.from_json(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise PaymentProviderError(f"unexpected session from the provider: {exc!r}") from exc

    def refund(self, payment_id, amount_cents, idempotency_key):
        payload = {"payment": payment_id}
        if amount_cents is not None:
            payload["amount"] = amount_cents
        data = self._call("POST", "/v1/refunds", payload, idempotency_key)
        try:
            return Refund.from_json(data)
        except (KeyError, TypeError) as exc:
            raise PaymentProviderError(f"unexpected refund from the provider: {exc!r}") from exc

    def verify_notification(self, body, signature_header, now=None):
        return verify_notification(self.webhook_secret, body, signature_header, now)

    def verify_return(self, params, now=None):
        return verify_return(self.webhook_secret, params, now)
