"""The sandboxpay WSGI application: JSON API and hosted payment page."""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import urllib.parse

import jinja2
from webob import Request, Response

from sandboxpay import cards, texts
from sandboxpay.notify import Notifier, build_event
from sandboxpay.signing import return_params
from sandboxpay.store import (CANCELED, EXPIRED, FAILED, OPEN, PAID,
                              IdempotencyMismatch, RefundError, Store)

log = logging.getLogger(__name__)

DEFAULTS = {
    "sandboxpay.api_key": "sk_test_olympix",
    "sandboxpay.webhook_secret": "whsec_olympix",
    "sandboxpay.public_url": "http://127.0.0.1:6544",
    "sandboxpay.db": ":memory:",
    "sandboxpay.notify_delay": "5",
    "sandboxpay.notify_timeout": "5",
    "sandboxpay.notify_retries": "8",
    "sandboxpay.notify_backoff": "1",
    "sandboxpay.session_ttl": "1800",
    "sandboxpay.merchant_name": "Olympix",
}
CURRENCIES = {"EUR"}
MAX_AMOUNT = 99_999_999

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(__file__), "templates")),
    autoescape=True, trim_blocks=True, lstrip_blocks=True)

_ROUTES = [
    ("POST", re.compile(r"^/v1/checkout/sessions$"), "api_create_session"),
    ("GET", re.compile(r"^/v1/checkout/sessions/(?P<id>[\w-]{1,64})$"), "api_get_session"),
    ("POST", re.compile(r"^/v1/refunds$"), "api_create_refund"),
    ("GET", re.compile(r"^/pay/(?P<id>[\w-]{1,64})$"), "page_get"),
    ("POST", re.compile(r"^/pay/(?P<id>[\w-]{1,64})$"), "page_post"),
    ("GET", re.compile(r"^/$"), "index"),
]

HTML_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline';"
                                " base-uri 'none'; frame-ancestors 'none'"),
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str,
                 type_: str = "invalid_request_error", param: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.type, self.param = type_, param

    def response(self) -> Response:
        error = {"type": self.type, "code": self.code, "message": self.message}
        if self.param:
            error["param"] = self.param
        return json_response({"error": error}, self.status)


def json_response(payload, status: int = 200) -> Response:
    response = Response(json=payload, status=status)
    response.cache_control = "no-store"
    return response


def format_amount(amount: int, currency: str, locale: str = "en") -> str:
    return texts.format_amount(amount, currency, locale)


def add_query(url: str, params: dict) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in query if k not in params] + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class SandboxPayApp:
    def __init__(self, settings: dict):
        conf = dict(DEFAULTS)
        conf.update({k: v for k, v in settings.items() if v is not None})
        self.api_key = str(conf["sandboxpay.api_key"])
        self.webhook_secret = str(conf["sandboxpay.webhook_secret"])
        self.public_url = str(conf["sandboxpay.public_url"]).rstrip("/")
        self.session_ttl = int(conf["sandboxpay.session_ttl"])
        self.merchant_name = str(conf["sandboxpay.merchant_name"])
        self.store = Store(str(conf["sandboxpay.db"]))
        self.notifier = Notifier(self.webhook_secret,
                                 delay=float(conf["sandboxpay.notify_delay"]),
                                 timeout=float(conf["sandboxpay.notify_timeout"]),
                                 retries=int(conf["sandboxpay.notify_retries"]),
                                 backoff=float(conf["sandboxpay.notify_backoff"]))

    # -- WSGI --------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path_info
        allowed = []
        for method, pattern, name in _ROUTES:
            match = pattern.match(path)
            if not match:
                continue
            if request.method != method and not (method == "GET" and request.method == "HEAD"):
                allowed.append(method)
                continue
            try:
                return getattr(self, name)(request, **match.groupdict())
            except ApiError as exc:
                return exc.response()
        if allowed:
            if path.startswith("/v1/"):
                response = ApiError(405, "method_not_allowed", "Method not allowed.").response()
            else:
                response = Response("Method not allowed", status=405)
            response.allow = allowed
            return response
        if path.startswith("/v1/"):
            return ApiError(404, "not_found", "Unrecognized request URL.").response()
        return self.render(None, status=404)

    # -- API ---------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), self.api_key.encode()):
            error = ApiError(401, "invalid_api_key", "Invalid API key provided.",
                             type_="authentication_error")
            raise error

    def json_body(self, request: Request) -> dict:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise ApiError(400, "invalid_json", "The request body is not valid JSON.")
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
        return body

    @staticmethod
    def idempotency_key(request: Request) -> str | None:
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 255:
            raise ApiError(400, "invalid_idempotency_key",
                           "Idempotency-Key must be 1 to 255 characters.")
        return key

    def api_create_session(self, request: Request) -> Response:
        self.authenticate(request)
        params = validate_session_params(self.json_body(request))
        try:
            session, created = self.store.create_session(
                params, self.session_ttl, self.idempotency_key(request))
        except IdempotencyMismatch:
            raise ApiError(400, "idempotency_key_in_use",
                           "Keys for idempotent requests can only be used with the"
                           " same parameters they were first used with.",
                           type_="idempotency_error")
        if created:
            log.info("session %s created: %s %s ref=%s", session["id"],
                     session["amount"], session["currency"], session["reference"])
        return json_response(self.session_json(session), 200)

    def api_get_session(self, request: Request, id: str) -> Response:
        self.authenticate(request)
        session = self.store.get_session(id)
        if session is None:
            raise ApiError(404, "resource_missing", f"No such checkout session: {id}")
        return json_response(self.session_json(session))

    def api_create_refund(self, request: Request) -> Response:
        self.authenticate(request)
        body = self.json_body(request)
        payment = body.get("payment")
        if not isinstance(payment, str) or not payment:
            raise ApiError(400, "parameter_missing", "Missing payment id.", param="payment")
        amount = body.get("amount")
        if amount is not None and (type(amount) is not int or amount <= 0):
            raise ApiError(400, "parameter_invalid_integer",
                           "amount must be a positive integer (cents).", param="amount")
        try:
            refund, created = self.store.create_refund(
                payment, amount, self.idempotency_key(request))
        except IdempotencyMismatch:
            raise ApiError(400, "idempotency_key_in_use",
                           "Keys for idempotent requests can only be used with the"
                           " same parameters they were first used with.",
                           type_="idempotency_error")
        except RefundError as exc:
            raise ApiError(exc.status, exc.code, exc.message)
        if created:
            log.info("refund %s of %s on %s", refund["id"], refund["amount"], payment)
        return json_response(refund_json(refund))

    def session_json(self, session: dict) -> dict:
        return {
            "id": session["id"],
            "object": "checkout.session",
            "url": self.page_url(session["id"]),
            "status": session["status"],
            "amount": session["amount"],
            "amount_refunded": session["amount_refunded"],
            "currency": session["currency"],
            "reference": session["reference"],
            "description": session["description"],
            "locale": session["locale"],
            "payment": session["payment_id"],
            "brand": session["brand"],
            "last4": session["last4"],
            "failure_reason": session["failure_reason"],
            "failure_message": session["failure_message"],
            "created": session["created"],
            "expires_at": session["expires_at"],
        }

    def page_url(self, session_id: str) -> str:
        return f"{self.public_url}/pay/{session_id}"

    # -- hosted page -------------------------------------------------------
    def index(self, request: Request) -> Response:
        return self.render(None, index=True)

    def page_get(self, request: Request, id: str) -> Response:
        session = self.store.get_session(id)
        return self.render(session, status=200 if session else 404)

    def page_post(self, request: Request, id: str) -> Response:
        session = self.store.get_session(id)
        if session is None:
            return self.render(None, status=404)
        if session["status"] != OPEN:
            return self.see_other(self.page_url(id))
        if request.POST.get("action") == "cancel":
            session, changed = self.store.complete_session(id, CANCELED)
            if not changed:
                return self.see_other(self.page_url(id))
            log.info("session %s canceled by the buyer", id)
            return self.see_other(self.return_url(session))

        form = request.POST
        check = cards.check_card(form.get("holder", ""), form.get("number", ""),
                                 form.get("expiry", ""), form.get("cvc", ""))
        if not check.ok:
            values = {"holder": form.get("holder", ""), "expiry": form.get("expiry", "")}
            return self.render(session, errors=check.errors, values=values)

        if check.outcome == cards.SUCCESS:
            session, changed = self.store.complete_session(
                id, PAID, brand=check.brand, last4=check.last4)
        else:
            session, changed = self.store.complete_session(
                id, FAILED, brand=check.brand, last4=check.last4,
                failure_reason=check.outcome,
                failure_message=cards.FAILURE_MESSAGES[check.outcome])
        if not changed:
            return self.see_other(self.page_url(id))
        log.info("session %s %s (%s ...%s)", id, session["status"],
                 session["brand"], session["last4"])
        event_type = ("checkout.session.completed" if session["status"] == PAID
                      else "checkout.session.failed")
        self.notifier.dispatch(session["notify_url"],
                               build_event(event_type, self.session_json(session)),
                               check.notify)
        if session["status"] == PAID:
            return self.see_other(self.return_url(session))
        return self.see_other(self.page_url(id))

    def return_url(self, session: dict) -> str:
        """Signed return redirect to the merchant for a finished session."""
        status = session["status"]
        base = session["success_url"] if status == PAID else session["cancel_url"]
        params = return_params(self.webhook_secret, session["id"], status, int(time.time()))
        return add_query(base, params)

    @staticmethod
    def see_other(location: str) -> Response:
        response = Response(status=303, location=location)
        response.cache_control = "no-store"
        return response

    def render(self, session: dict | None, status: int = 200, errors=None,
               values=None, index: bool = False) -> Response:
        context = {
            "session": session,
            "index": index,
            "merchant": self.merchant_name,
            "errors": errors or {},
            "values": values or {},
            "test_cards": cards.TEST_CARDS,
            "notify_delay": self.notifier.delay,
            "states": {"open": OPEN, "paid": PAID, "failed": FAILED,
                       "canceled": CANCELED, "expired": EXPIRED},
        }
        locale = texts.locale_of(session.get("locale")) if session is not None else "en"
        context["lang"], context["t"] = locale, texts.PAGE[locale]
        context["tr"] = lambda text: texts.message(text, locale)
        if session is not None:
            context["amount"] = format_amount(session["amount"], session["currency"], locale)
            if session["status"] != OPEN:
                context["return_url"] = self.return_url(session)
        html = _templates.get_template("pay.jinja2").render(**context)
        response = Response(html, status=status, charset="utf-8",
                            content_type="text/html")
        response.headers.update(HTML_HEADERS)
        return response


def refund_json(refund: dict) -> dict:
    return {
        "id": refund["id"],
        "object": "refund",
        "payment": refund["payment_id"],
        "amount": refund["amount"],
        "currency": refund["currency"],
        "status": refund["status"],
        "created": refund["created"],
    }


def _url_ok(value) -> bool:
    if not isinstance(value, str) or len(value) > 2000:
        return False
    parts = urllib.parse.urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def validate_session_params(body: dict) -> dict:
    amount = body.get("amount")
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise ApiError(400, "parameter_invalid_integer",
                       "amount must be a positive integer number of cents.",
                       param="amount")
    currency = body.get("currency")
    if not isinstance(currency, str) or currency.upper() not in CURRENCIES:
        raise ApiError(400, "parameter_invalid", "currency must be EUR.",
                       param="currency")
    reference = body.get("reference")
    if not isinstance(reference, str) or not 0 < len(reference) <= 200:
        raise ApiError(400, "parameter_missing",
                       "reference (1 to 200 characters) is required.", param="reference")
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > 500:
        raise ApiError(400, "parameter_invalid",
                       "description must be a string of at most 500 characters.",
                       param="description")
    locale = body.get("locale", "en")
    if not isinstance(locale, str) or len(locale) > 20:
        raise ApiError(400, "parameter_invalid", "locale must be a language tag such as fr or en.",
                       param="locale")
    params = {"amount": amount, "currency": currency.upper(), "reference": reference,
              "description": description, "locale": texts.locale_of(locale)}
    for name in ("success_url", "cancel_url", "notify_url"):
        if not _url_ok(body.get(name)):
            raise ApiError(400, "url_invalid", f"{name} must be an http(s) URL.",
                           param=name)
        params[name] = body[name]
    return params


def make_app(settings: dict | None = None) -> SandboxPayApp:
    """WSGI application factory; ``settings`` use the ``sandboxpay.*`` keys."""
    return SandboxPayApp(settings or {})


def paste_app(global_config, **settings):
    """PasteDeploy ``app_factory`` (``use = egg:olympix#sandboxpay``)."""
    return make_app(settings)
