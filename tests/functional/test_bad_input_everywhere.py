"""Bad input from the outside never gives a 500 (nor a half-written change).

On the demo data (every seeder, the demo accounts), one client per role
crawls the site from its entry points: it GETs every link it finds and
submits every form it finds with hostile values (empty, 10 kB, unicode
and emoji, NUL bytes, negative and huge numbers, floats, impossible
dates, repeated fields, missing fields, a wrong CSRF token, HTML), then
hits known addresses with wrong methods, odd ids and malformed JSON.

The rule it checks: never a status >= 500; an HTML answer is a page; an
``/api/`` error is JSON. The crawl is bounded (pages, forms per shape,
time) so it stays well under a minute. Then two journeys check that a
refused form changes nothing in the database.
"""
import json
import os
import time
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import webtest
from pyramid.scripting import prepare
from sqlalchemy import func, select

from olympix.models import Event, Order, User
from tests.functional.helpers import sign_in

ROLES = ("visitor", "user", "editor", "agent", "manager", "admin")
PASSWORD = "correct horse battery"
DEMO_DOMAIN = "demo.olympix.test"

HOSTILE = (
    "",
    "x" * 10_240,
    "Zoé 🎉🏅 中文 \u202eevil",
    "a\x00b",
    "-1",
    str(10**30),
    "1.5",
    "2024-13-45",
    "<script>alert(1)</script>",
)
# Fields the form machinery needs to find its way (kept as they are).
STRUCTURE = {"__start__", "__end__", "__formid__", "_charset_", "csrf_token"}
ENTRY_POINTS = (
    "/", "/events", "/pages/", "/pages/faq", "/contact", "/account/", "/account/@@signup",
    "/account/@@login", "/account/@@verify", "/account/@@profile", "/account/@@password",
    "/account/@@email", "/account/@@delete", "/orders/", "/orders/DEMODUO001/", "/tickets/",
    "/gate/", "/gate/@@history", "/gate/@@ticket", "/backoffice/", "/backoffice/figures",
    "/backoffice/audit", "/backoffice/content/", "/backoffice/content/@@new",
    "/backoffice/content/@@events", "/backoffice/content/@@queue", "/backoffice/people/",
    "/backoffice/orders/", "/backoffice/orders/DEMODUO001/", "/backoffice/gates/",
    "/backoffice/gates/@@add-gate", "/backoffice/gates/@@add-token", "/cookies",
    "/backoffice/people/?q=demo", "/gate/?change=1",
)
ODD_ADDRESSES = (
    "/orders/XYZ/@@nope", "/orders/DEMODUO001/@@nope", "/orders/%00", "/orders/" + "A" * 300,
    "/tickets/-1", "/tickets/abc", "/tickets/99999999999999999999", "/tickets/0", "/tickets/1.5",
    "/tickets/%F0%9F%8E%89", "/backoffice/people/0", "/backoffice/people/-1",
    "/backoffice/people/99999999999999999999", "/backoffice/people/abc/@@deactivate",
    "/backoffice/content/0", "/backoffice/content/99999999999999999999/@@edit",
    "/backoffice/orders/%00/", "/backoffice/orders/XYZ/@@cancel", "/events/%00",
    "/events/" + "x" * 5000, "/events/%F0%9F%8E%89/@@book", "/pages/%00", "/pages/faq/@@nope",
    "/gate/@@nope", "/backoffice/nope", "/api/", "/api/nope", "/api/gate/",
    "/events?" + "q=" + "x" * 20_000, "/events?" + "&".join(f"k{i}=v" for i in range(2000)),
    "/events?date=2024-13-45&page=-1", "/events?page=" + str(10**30), "/events?page=1.5",
    "/events?from=9999-99-99&to=0000-00-00&price_max=-1&page=abc",
    "/events?sport=%00&venue=%F0%9F%8E%89&city=" + "x" * 5000,
    "/events?sport=a&sport=b&page=1&page=2&date=2024-01-01&date=x",
    "/backoffice/figures?from=2024-13-45&to=" + str(10**30),
    "/backoffice/figures?format=csv&table=%00", "/backoffice/figures?format=csv&table=sales&from=x",
    "/backoffice/audit?page=-1&action=%00", "/backoffice/audit?page=" + "9" * 40,
    "/backoffice/audit?page=abc&verify=1", "/backoffice/people/?q=" + "%F0%9F%8E%89" * 500,
    "/gate/@@ticket?q=%00" + "x" * 500, "/gate/?change=1&gate_id=abc",
    "/account/@@login?next=%00", "/account/@@login?next=//evil.test", "/lang?l=xx&next=%00",
    "/lang?l=en&l=fr&next=http://evil.test", "/cookies?next=" + "x" * 5000,
    "/orders/DEMODUO001/@@return?session_id=%00&status=paid&t=" + "9" * 40 + "&sig=%F0%9F%8E%89",
    "/orders/DEMODUO001/@@return?status=paid&t=-1", "/orders/DEMODUO001/?check=1",
    "/orders/DEMODUO001/@@tickets.pdf", "/static/%00", "/static/../../setup.py",
)
WRONG_METHODS = (
    ("PUT", "/"), ("DELETE", "/events"), ("POST", "/events"), ("PATCH", "/account/@@login"),
    ("DELETE", "/orders/"), ("PUT", "/tickets/"), ("POST", "/tickets/"), ("POST", "/orders/DEMODUO001/"),
    ("DELETE", "/orders/DEMODUO001/"), ("GET", "/orders/DEMODUO001/@@pay"),
    ("GET", "/orders/DEMODUO001/@@cancel"), ("GET", "/account/@@logout"), ("GET", "/account/@@resend"),
    ("PUT", "/gate/"), ("GET", "/gate/@@scan"), ("GET", "/gate/@@choose"), ("DELETE", "/backoffice/"),
    ("GET", "/backoffice/orders/DEMODUO001/@@cancel"), ("GET", "/backoffice/orders/DEMODUO001/@@cancel-ticket"),
    ("GET", "/backoffice/gates/@@toggle"), ("GET", "/backoffice/gates/@@revoke"),
    ("GET", "/backoffice/people/1/@@role"), ("PUT", "/backoffice/content/@@new"),
    ("GET", "/api/gate/scans"), ("PUT", "/api/gate/scans"), ("GET", "/api/payments/notify"),
    ("DELETE", "/api/payments/notify"), ("OPTIONS", "/"), ("HEAD", "/events"),
)
BAD_JSON_BODIES = (
    (b"{", "application/json"), (b"[]", "application/json"), (b"null", "application/json"),
    (b"1", "application/json"), (b'"code"', "application/json"), (b'{"code": 1}', "application/json"),
    (b'{"code": ["a"]}', "application/json"), (b'{"code": null, "gate": {}}', "application/json"),
    (b'{"code": "x", "gate": 1, "event": "1"}', "application/json"),
    (b'{"code": "x", "gate": "nope", "event": 1e30}', "application/json"),
    (b'{"code": "x", "event": 99999999999999999999999999}', "application/json"),
    (b'{"code": "\\u0000\\ud800", "gate": "\\ud83c"}', "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"), (b'{"code": "x"}', "text/plain"),
    (b"code=x&gate=y", "application/x-www-form-urlencoded"), (b"", "application/json"),
    (b'{"code": "' + b"x" * 2_000_000 + b'"}', "application/json"),
    (b"[" * 100_000, "application/json"),
)
MAX_PAGES = 90          # links fetched per role
MAX_PER_SHAPE = 3       # /events/<a>, /events/<b>, /events/<c>: enough of the same page
MAX_FORMS = 40          # distinct forms per role
BUDGET_SECONDS = 35     # links and forms, all roles together (then it stops, quietly)


@pytest.fixture
def demo(app, testapp):
    """The demo data of every area and the demo accounts (role@demo.olympix.test)."""
    from olympix.scripts.demo import seed_accounts, seeders

    env = prepare(registry=app.registry)
    try:
        with env["request"].tm:
            seed_accounts(env["request"], PASSWORD)
            for seed in seeders():
                seed(env["request"])
    finally:
        env["closer"]()


def client_for(app, role):
    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})
    if role != "visitor":
        assert sign_in(client, f"{role}@{DEMO_DOMAIN}", PASSWORD).status_int == 303
    return client


def shape(url):
    """What makes two addresses "the same page": digits and slugs folded."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    folded = ["#" if s.isdigit() else "*" if not s.startswith("@@") and (
        "-" in s or len(s) > 24 or any(c.isdigit() for c in s)) else s for s in segments]
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return "/".join(folded) + "?" + ",".join(keys)


PLAUSIBLE = (("email", "someone@example.test"), ("password", PASSWORD), ("phone", "+33612345678"),
             ("name", "Ada"), ("quantity", "1"), ("date", "2026-07-30"), ("from", "2026-07-30"),
             ("to", "2026-08-10"), ("code", "ABC234"), ("slug", "a-page"), ("title", "A title"),
             ("body", "<p>Text</p>"), ("message", "Hello, a question."), ("reference", "DEMODUO001"))


def plausible(name, value):
    """The form's own value, or else a value that passes for ``name``."""
    if value:
        return value
    return next((v for part, v in PLAUSIBLE if part in name.lower()), "1")


class Crawler:
    def __init__(self, client, role, deadline):
        self.client, self.role, self.deadline = client, role, deadline
        self.problems = []
        self.seen_urls, self.shapes, self.forms = set(), {}, {}
        self.requests = 0

    def out_of_time(self):
        return time.monotonic() > self.deadline

    def check(self, response, what):
        self.requests += 1
        status = response.status_int
        path = urlsplit(response.request.url).path
        if status >= 500:
            self.problems.append(f"{self.role}: {what} → {status}")
        elif path.startswith("/api/") and status >= 400 and response.content_type != "application/json":
            self.problems.append(f"{self.role}: {what} → {status} {response.content_type}, not JSON")
        elif (response.content_type == "text/html" and response.request.method != "HEAD"
              and "<html" not in response.text[:500].lower()):
            self.problems.append(f"{self.role}: {what} → {status} HTML that is no page")
        return response

    def request(self, method, url, what=None, **kw):
        response = self.client.request(url, method=method, expect_errors=True, **kw)
        return self.check(response, what or f"{method} {url[:160]}")

    def get(self, url, what=None):
        response = self.client.get(url, status="*", expect_errors=True)
        return self.check(response, what or f"GET {url[:160]}")

    def post(self, url, params, what, **kw):
        response = self.client.post(url, params=params, status="*", expect_errors=True, **kw)
        return self.check(response, what)

    # -- discovery ----------------------------------------------------------------

    def wanted(self, url):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            return False
        if parts.path.startswith("/static/") or parts.path.endswith(("@@logout", ".pdf", "@@pdf")):
            return False
        if url in self.seen_urls:
            return False
        key = shape(url)
        if self.shapes.get(key, 0) >= MAX_PER_SHAPE:
            return False
        self.shapes[key] = self.shapes.get(key, 0) + 1
        return True

    def crawl(self):
        queue = list(ENTRY_POINTS)
        fetched = 0
        while queue and fetched < MAX_PAGES and not self.out_of_time():
            url = queue.pop(0)
            if not self.wanted(url):
                continue
            self.seen_urls.add(url)
            response = self.get(url)
            fetched += 1
            if response.status_int in (301, 302, 303) and "Location" in response.headers:
                target = urlsplit(response.headers["Location"])
                queue.insert(0, target.path + ("?" + target.query if target.query else ""))
                continue
            if response.content_type != "text/html" or response.status_int != 200:
                continue
            html = response.html
            base = url
            for a in html.find_all("a", href=True):
                href = urljoin("http://localhost" + base, a["href"])
                parts = urlsplit(href)
                queue.append(parts.path + ("?" + parts.query if parts.query else ""))
            for form in html.find_all("form"):
                self.collect_form(base, form)

    def collect_form(self, page, form):
        method = (form.get("method") or "GET").upper()
        action = urlsplit(urljoin("http://localhost" + page, form.get("action") or page))
        action = action.path + ("?" + action.query if action.query else "")
        if action.endswith("@@logout"):
            return
        fields = []
        for field in form.find_all(["input", "select", "textarea", "button"]):
            name = field.get("name")
            if not name:
                continue
            kind = (field.get("type") or "").lower()
            if field.name == "select":
                option = field.find("option", selected=True) or field.find("option")
                value = option.get("value", option.text) if option else ""
            elif field.name == "textarea":
                value = field.text
            elif kind in ("checkbox", "radio") and not field.has_attr("checked"):
                if any(n == name for n, _v, _k in fields):
                    continue
                value = field.get("value", "on")
            else:
                value = field.get("value", "")
            fields.append((name, value, "button" if field.name == "button" or kind == "submit" else kind))
        key = (method, shape(action), tuple(sorted({n for n, _v, _k in fields})))
        if key not in self.forms and len(self.forms) < MAX_FORMS:
            self.forms[key] = (page, method, action, fields)

    # -- attack -------------------------------------------------------------------

    def variants(self, fields):
        """(label, params) pairs: hostile values, repeated, missing fields, bad CSRF."""
        kept = lambda n, k: n in STRUCTURE or k == "button"
        free = [n for n, _v, k in fields if not kept(n, k)]
        original = [(n, v) for n, v, _k in fields]
        if free:
            for value in HOSTILE:
                yield f"all fields={value[:12]!r}", [(n, v if kept(n, k) else value) for n, v, k in fields]
            yield "repeated fields", [pair for n, v, k in fields
                                      for pair in ([(n, v)] if kept(n, k) else [(n, v), (n, "🎉")])]
            yield "missing fields", [(n, v) for n, v, k in fields if kept(n, k)]
            ends = [i for i, (n, _v) in enumerate(original) if n == "__end__"]
            if ends:
                yield "unbalanced mapping", [pair for i, pair in enumerate(original) if i != ends[0]]
                yield "stray __end__", [("__end__", "x:mapping"), *original]
                yield "mapping as a scalar", [(n, v) for n, v in original if n not in ("__start__", "__end__")]
        yield "wrong CSRF", [(n, "not-the-token" if n == "csrf_token" else v) for n, v in original]
        yield "no CSRF", [(n, v) for n, v in original if n != "csrf_token"]

    def one_bad_field(self, fields):
        """Each field in turn hostile, the others plausible: gets past the first check."""
        kept = lambda n, k: n in STRUCTURE or k == "button"
        free = [n for n, _v, k in fields if not kept(n, k)]
        for i, name in enumerate(dict.fromkeys(free)):
            for value in ("x" * 10_240, HOSTILE[2 + i % (len(HOSTILE) - 2)]):
                yield f"{name}={value[:12]!r}", [
                    (n, value if n == name else v if kept(n, k) else plausible(n, v)) for n, v, k in fields]

    def attack(self, done):
        """Every form of this role not attacked yet (``done``: by a role crawled before)."""
        for key, (page, method, action, fields) in self.forms.items():
            if key in done:
                continue
            done.add(key)
            for label, params in [*self.variants(fields), *self.one_bad_field(fields)]:
                if self.out_of_time():
                    return
                what = f"{method} {action} ({label}, form of {page})"
                if method == "GET":
                    path = urlsplit(action).path
                    self.get(path + "?" + urlencode(params), what)
                else:
                    self.post(action, params, what)
                if self.role != "visitor" and "@@login" in action:
                    pass  # a failed sign-in leaves the session signed in


def hold_an_order(client, dbsession):
    """A held (unpaid) order, so that its page shows the attendees and pay form."""
    dbsession.rollback()
    event = dbsession.scalars(select(Event).where(Event.seats_left > 10, Event.state == "published")
                              .order_by(Event.starts_at.desc())).first()
    page = client.get(f"/events/{event.slug}/@@book")
    assert page.forms["form"].submit("submit").status_int == 303


def choose_a_gate(client):
    """Stand at the first gate listed, so that the desk shows its scan and event forms."""
    page = client.get("/gate/?change=1")
    form = next(f for f in page.forms.values() if "gate_id" in f.fields)
    form["gate_id"] = form.fields["gate_id"][0].options[0][0]
    assert form.submit().status_int == 303


def submit_an_item(client):
    """Put a content item in the validation queue, so that approve and reject forms show."""
    for link in client.get("/backoffice/content/").html.select('a[href*="/backoffice/content/"]'):
        page = client.get(link["href"], status="*")
        form = next((f for f in page.forms.values() if (f.action or "").endswith("@@submit")), None)
        if form is not None:
            assert form.submit().status_int == 303
            return


def test_no_input_gives_a_server_error(app, demo, dbsession):
    deadline = time.monotonic() + BUDGET_SECONDS
    problems, requests, done = [], 0, set()
    for role in ROLES:
        crawler = Crawler(client_for(app, role), role, deadline)
        if role == "user":
            hold_an_order(crawler.client, dbsession)
        if role in ("agent", "admin"):
            choose_a_gate(crawler.client)
        if role == "manager":
            submit_an_item(crawler.client)
        crawler.crawl()
        crawler.attack(done)
        for url in ODD_ADDRESSES:
            crawler.get(url)
        for method, url in WRONG_METHODS:
            crawler.request(method, url)
        problems += crawler.problems
        requests += crawler.requests
        if os.environ.get("CRAWL_REPORT"):
            print(role, crawler.requests, sorted(crawler.seen_urls), sorted(f[2] for f in crawler.forms.values()))
    assert requests > 500
    assert not problems, "\n".join(problems)


def test_apis_answer_json_errors_to_malformed_bodies(app, demo):
    from olympix.services.payment_gateway import sign_notification

    problems = []
    for role in ("visitor", "agent"):
        crawler = Crawler(client_for(app, role), role, time.monotonic() + 30)
        token = ""
        if role == "agent":
            page = crawler.client.get("/gate/")
            desk = page.html.find(id="gate-desk")
            field = page.html.find("input", attrs={"name": "csrf_token"})
            token = desk["data-csrf"] if desk is not None else (field["value"] if field else "")
        for body, content_type in BAD_JSON_BODIES:
            for url in ("/api/gate/scans", "/api/payments/notify"):
                crawler.request("POST", url, f"POST {url} {body[:30]!r} as {content_type}", body=body,
                                headers={"Content-Type": content_type, "X-CSRF-Token": token,
                                         "Sandbox-Signature": f"t={int(time.time())},v1=00"})
        # Forms posted with a body that is no form (the CSRF token in its header).
        field = crawler.client.get("/contact").html.find("input", attrs={"name": "csrf_token"})
        for url in ("/contact", "/account/@@signup", "/account/@@login", "/gate/@@scan", "/gate/@@choose"):
            for body, content_type in BAD_JSON_BODIES[:4] + BAD_JSON_BODIES[-6:-3] + (
                    (b"--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n\xff\r\n", "multipart/form-data; boundary=x"),
                    (b"email=%FF%FE&password=%00&csrf_token=" + b"x" * 100_000, "application/x-www-form-urlencoded"),
                    (b"a=1", "multipart/form-data")):
                crawler.request("POST", url, f"POST {url} {body[:30]!r} as {content_type}", body=body,
                                headers={"Content-Type": content_type, "X-CSRF-Token": field["value"]})
        crawler.request("POST", "/api/gate/scans", "bearer token garbage", body=b'{"code": "x"}',
                        headers={"Content-Type": "application/json", "Authorization": "Bearer \x00🎉"})
        crawler.request("POST", "/api/gate/scans", "bearer with no token", body=b'{"code": "x"}',
                        headers={"Content-Type": "application/json", "Authorization": "Bearer"})
        # Correctly signed, oddly shaped: the provider's secret is the only way in.
        for data in ({}, {"status": "paid"}, {"id": [], "status": "paid", "amount": 1},
                     {"id": "cs_x", "status": "paid", "amount": "lots"}, {"id": {"a": 1}, "status": 1, "amount": []},
                     {"id": "x" * 10_000, "status": "paid", "amount": 10**30}):
            body = json.dumps({"type": "checkout.session.updated", "data": data}).encode()
            signature = sign_notification("whsec_insecure-dev", body, int(time.time()))
            crawler.request("POST", "/api/payments/notify", f"signed notification {str(data)[:60]}", body=body,
                            headers={"Content-Type": "application/json", "Sandbox-Signature": signature})
        problems += crawler.problems
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/%C0%AF", "/events/%FF", "/api/gate/%C0", "/orders/%FF%FE/",
                                  "/events?q=%FF", "/account/@@login?next=%C0%AF", "/backoffice/audit?page=%FF"])
def test_undecodable_address_is_a_client_error(app, testapp, path):
    """Bytes that are not UTF-8 in the address (WebTest's cookie jar cannot send them)."""
    from webob import Request

    environ = {"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr",
               "HTTP_COOKIE": "olympix_consent=all"}
    response = Request.blank(path, environ=environ).get_response(app)
    assert response.status_int == 400, response.status
    if path.startswith("/api/"):
        assert response.json["status"] == 400
    else:
        assert "pas pu être comprise" in response.text


# -- a refused form changes nothing ------------------------------------------------------

def counts(dbsession):
    dbsession.rollback()
    return (dbsession.scalar(select(func.count()).select_from(User)),
            dbsession.scalar(select(func.count()).select_from(Order)),
            dbsession.scalar(select(func.sum(Event.seats_left))))


def test_refused_sign_up_creates_no_account(testapp, dbsession, mailbox):
    before = counts(dbsession)
    page = testapp.get("/account/@@signup")
    form = page.forms["form"]
    good = {"last_name": "Lovelace", "first_name": "Ada", "email": "ada@example.test", "password": PASSWORD}
    for name, bad in (("email", "not-an-address\x00"), ("first_name", "x" * 10_240), ("password", ""),
                      ("last_name", "\x00")):
        params = [(n, v) for n, v in form.submit_fields()]
        params = [(n, bad if n == name else good.get(n, v)) for n, v in params]
        response = testapp.post("/account/@@signup", params=params, status="*")
        assert response.status_int == 200, (name, response.status)
        assert "error" in response.text
    assert counts(dbsession) == before
    assert not mailbox.messages


@pytest.mark.parametrize("quantity", ["0", "-1", str(10**30), "1.5", "abc", "", "🎉", "999"])
def test_refused_booking_holds_no_seat(testapp, demo, dbsession, quantity):
    sign_in(testapp, f"user@{DEMO_DOMAIN}", PASSWORD)
    dbsession.rollback()
    event = dbsession.scalars(select(Event).where(Event.seats_left > 0, Event.state == "published")
                              .order_by(Event.starts_at)).first()
    before = counts(dbsession)
    page = testapp.get(f"/events/{event.slug}/@@book")
    form = page.forms["form"]
    params = [(n, quantity if n == "quantity" else v) for n, v in form.submit_fields()]
    response = testapp.post(f"/events/{event.slug}/@@book", params=params, status="*")
    assert response.status_int == 200, response.status
    assert counts(dbsession) == before


def test_unparsable_form_body_is_a_page_in_the_persons_language(testapp):
    page = testapp.get("/contact")
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    response = testapp.post("/contact", params=b"a=1", status=400,
                            headers={"Content-Type": "multipart/form-data", "X-CSRF-Token": token})
    assert "pas pu être comprise" in response.text
