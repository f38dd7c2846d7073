"""The journeys, over HTTP, through the real forms (as tests/functional/helpers.py fills them).

Each returns a Sample with the time of each step; a step that does not
answer what a person would see raises FlowError (counted as an error).
"""
from __future__ import annotations

import json
import re
import time

from _harness import Client, FlowError, Sample, absolute, expect, form_fields

CARD_OK = "4242424242424242"
TICKET_LINK = re.compile(rb'/tickets/(\d+)/?"')
ATTENDEES = [("Grace", "Hopper"), ("Alan", "Turing"), ("Marie", "Curie")]


class Timer:
    """Times each step; ``after_step(name)`` (optional) runs after each, outside the timing."""

    def __init__(self, after_step=None):
        self.steps = {}
        self.after_step = after_step

    def step(self, name, fn, *args, **kw):
        began = time.perf_counter()
        try:
            return fn(*args, **kw)
        finally:
            self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - began
            if self.after_step is not None:
                self.after_step(name)


def sign_in(client: Client, base, email, password, timer=None):
    """GET the sign-in form, POST it: 303 and a signed session cookie."""
    timer = timer or Timer()
    status, _h, body = timer.step("login_form", client.get, f"{base}/account/@@login")
    expect(status, 200, "sign-in form", body)
    _action, fields = form_fields(body)
    values = [[n, email if n == "email" else password if n == "password" else v] for n, v in fields]
    values.append(["submit", "submit"])
    status, headers, body = timer.step("login_post", client.post, f"{base}/account/@@login", values)
    expect(status, 303, "sign-in", body)
    return Sample(True, "signin", timer.steps)


def book_fields(client, base, slug):
    """The book form's fields (CSRF token included): fetched once per buyer, reused (the token lasts the session)."""
    status, _h, body = client.get(f"{base}/events/{slug}/@@book")
    expect(status, 200, "book form", body)
    return form_fields(body)[1]


def _with(fields, **values):
    out = [[n, str(values[n]) if n in values else v] for n, v in fields]
    return out + [["submit", "submit"]]


def hold(client, base, slug, fields, offer_id, quantity=1, timer=None):
    """POST the book form: 303 to the new order's page. Returns the order URL."""
    timer = timer or Timer()
    status, headers, body = timer.step("hold", client.post, f"{base}/events/{slug}/@@book",
                                       _with(fields, offer=offer_id, quantity=quantity))
    if status == 200 and (b"Not enough seats left" in body or b"pas assez de places" in body):
        raise SoldOut()
    expect(status, 303, "hold", body)
    return absolute(base, headers["location"])


class SoldOut(Exception):
    pass


def purchase(client, base, slug, fields, offer_id, seats, quantity=1, card=CARD_OK, timer=None):
    """The whole flow: book form, hold, order page, pay (checkout at the provider), hosted
    page, card (the provider notifies olympix before redirecting), signed return (the order
    page with its tickets; or a redirect to it, followed, as in older trees).

    ``fields`` None: the book form is fetched (and timed) too.
    """
    timer = timer or Timer()
    began = time.perf_counter()
    if fields is None:
        fields = timer.step("book_form", book_fields, client, base, slug)
    order_url = hold(client, base, slug, fields, offer_id, quantity, timer)
    status, _h, body = timer.step("order_page", client.get, order_url)
    expect(status, 200, "order page", body)
    action, pay_fields = form_fields(body)
    names = iter(ATTENDEES * 4)
    filled, seen_first = [], 0
    for name, value in pay_fields:
        if name == "first_name":
            seen_first += 1
            if not value:
                value = next(names)[0]
        elif name == "last_name" and not value:
            value = "Bench"
        filled.append([name, value])
    filled.append(["submit", "submit"])
    status, headers, body = timer.step("pay", client.post, absolute(order_url, action), filled)
    expect(status, 303, "pay (to the provider)", body)
    provider_url = headers["location"]
    status, _h, body = timer.step("provider_page", client.get, provider_url)
    expect(status, 200, "provider's hosted page", body)
    card_fields = [["holder", "Ada Lovelace"], ["number", card], ["expiry", "12/39"], ["cvc", "123"],
                   ["action", "pay"]]
    status, headers, body = timer.step("provider_pay", client.post, provider_url, card_fields)
    expect(status, 303, "card (provider notifies, then redirects)", body)
    return_url = headers["location"]
    status, headers, body = timer.step("return", client.get, return_url)
    if status == 303:  # before issue 11.4's last pass: a redirect to the order page
        status, _h, body = timer.step("tickets", client.get, absolute(return_url, headers["location"]))
    expect(status, 200, "signed return: the order page with its tickets", body)
    tickets = set(TICKET_LINK.findall(body))
    if len(tickets) != seats * quantity:
        raise FlowError(f"order page shows {len(tickets)} tickets, {seats * quantity} paid")
    timer.steps["total"] = time.perf_counter() - began
    return Sample(True, "purchase", timer.steps, units=len(tickets))


def scan(client, base, token, code, timer=None):
    """POST /api/gate/scans with a device token; returns (verdict, reason)."""
    timer = timer or Timer()
    status, _h, body = timer.step("scan", client.request, "POST", f"{base}/api/gate/scans",
                                  body=json.dumps({"code": code}).encode(),
                                  headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    expect(status, 200, "scan", body)
    data = json.loads(body)
    return data["verdict"], data.get("reason")
