"""Role × page matrix: every role against every back-office page and action.

Each answer is exactly "allowed" (200, or the action's own 303), or
refused: 403 for signed-in people, a redirect to sign-in for visitors on
GET (403 on POST) — never anything in between, never a 500. Every page
exists: an administrator meeting a 404 fails the test.

Pages and actions on one object (a content task, an order, a ticket, a
gate, a device token, a person) get that object from ``things``; an action
that changes its object gets a fresh one for each role, so every allowed
role meets it in the state the action needs.
"""
import itertools
import secrets

import pytest
from sqlalchemy.orm import Session

from olympix.models import ContactMessage, ContentItem, Order
from olympix.models.gate import DeviceToken
from olympix.services.figures import TABLES
from tests.factories.gate import build_world

from .conftest import ROLES, csrf_token

ALL = set(ROLES)
STAFF = {"editor", "agent", "manager", "admin"}

# (path, roles allowed) — GET pages
PAGES = [
    ("/backoffice", STAFF),
    ("/backoffice/", STAFF),
    ("/backoffice/figures", {"manager", "admin"}),
    ("/backoffice/figures?from=2026-01-01&to=2026-01-31", {"manager", "admin"}),
    ("/backoffice/figures?format=csv&table=sales_per_day", {"manager", "admin"}),
    ("/backoffice/figures?format=csv&table=anomalies", {"manager", "admin"}),
    ("/backoffice/audit", {"admin"}),
    ("/backoffice/audit?verify=1&action=account.deactivate&page=2", {"admin"}),
    ("/backoffice/people/{target}/@@deactivate", {"admin"}),
    ("/backoffice/content", {"editor", "manager", "admin"}),
    ("/backoffice/content/@@queue", {"manager", "admin"}),
    ("/backoffice/content/@@events", {"editor", "manager", "admin"}),
    ("/backoffice/people", {"manager", "admin"}),
    ("/backoffice/contact", {"manager", "admin"}),
    ("/backoffice/contact?status=handled&page=2", {"manager", "admin"}),
    ("/backoffice/orders", {"manager", "admin"}),
    ("/backoffice/gates", {"admin"}),
    ("/backoffice/gates/@@add-gate", {"admin"}),
    ("/backoffice/gates/@@add-token", {"admin"}),
    ("/gate/", {"agent", "admin"}),
    ("/gate/@@history", {"agent", "admin"}),
    # content tasks: the ACL follows the workflow state
    ("/backoffice/content/{draft}", {"editor", "manager", "admin"}),
    ("/backoffice/content/{draft}/@@edit", {"editor", "manager", "admin"}),
    ("/backoffice/content/{pending}", {"editor", "manager", "admin"}),
    ("/backoffice/content/{pending}/@@edit", set()),  # what is reviewed is what gets published
    ("/backoffice/content/@@new?kind=page", {"editor", "manager", "admin"}),
    ("/backoffice/content/@@new?kind=faq", {"editor", "manager", "admin"}),
    ("/backoffice/content/@@new?kind=news", {"editor", "manager", "admin"}),
    ("/backoffice/content/@@new-event", {"editor", "manager", "admin"}),
    ("/backoffice/content/@@event?id={event}", {"editor", "manager", "admin"}),
    # orders, tickets at the gate
    ("/backoffice/orders/{order}", {"manager", "admin"}),
    ("/gate/@@ticket", {"agent", "admin"}),
    ("/gate/@@ticket?q={serial}", {"agent", "admin"}),
    # every CSV export of the figures
    *((f"/backoffice/figures?format=csv&table={name}", {"manager", "admin"}) for name in TABLES),
]

# (path, roles allowed, page that shows the area exists) — POST actions; a
# refused role gets 403 whatever it sends.
ACTIONS = [
    ("/backoffice/people/{target}/@@deactivate", {"admin"}, "/backoffice/people"),
    ("/backoffice/people/{target}/@@role", {"manager", "admin"}, "/backoffice/people"),
    ("/backoffice/contact/@@handle", {"manager", "admin"}, "/backoffice/contact"),
    ("/backoffice/gates/@@toggle", {"admin"}, "/backoffice/gates"),
    ("/backoffice/gates/@@revoke", {"admin"}, "/backoffice/gates"),
    ("/gate/@@choose", {"agent", "admin"}, "/gate/"),
]


@pytest.fixture
def target(make_user):
    return make_user("target@example.test", first_name="Target", last_name="Person")


class Things:
    """The objects back-office pages act on, made straight in the database."""

    def __init__(self, engine, settings, now, make_user):
        self.engine, self.now, self.make_user = engine, now, make_user
        self.settings = settings
        self.numbers = itertools.count(1)
        self.buyer = make_user("buyer@example.test", first_name="Ada", last_name="Lovelace")
        self.agent = make_user("gate-agent@example.test", role="agent", first_name="Gate", last_name="Agent")
        self.world = build_world(engine, settings, now, self.buyer)

    def _add(self, row):
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            s.add(row)
            s.flush()
            return row.id

    def item(self, state):
        """A page in ``state`` (draft or pending), with its working texts."""
        n = next(self.numbers)
        item = ContentItem(kind="page", slug=f"page-{n}-{secrets.token_hex(3)}", state=state,
                           created_at=self.now, updated_at=self.now, position=0)
        for lang in ("fr", "en"):
            item.set_text(lang, "working", f"Page {n}", f"<p>Texte {n}</p>")
        return self._add(item)

    def order(self):
        """The reference of a new paid order holding one ticket."""
        world = build_world(self.engine, self.settings, self.now, self.buyer)
        world.mint()
        with Session(self.engine) as s:
            return s.get(Order, world.ids["order"]).reference

    def ticket(self):
        """(order reference, ticket id) of a new live ticket in the shared order."""
        ticket_id, _serial, _code = self.world.mint()
        with Session(self.engine) as s:
            return s.get(Order, self.world.ids["order"]).reference, ticket_id

    def token(self):
        return self._add(DeviceToken(token_sha256=secrets.token_hex(32), label="scanner",
                                     gate_id=self.world.gate_ids["a1"], agent_id=self.agent,
                                     created_at=self.now))

    def contact(self):
        """A new contact message, not handled yet."""
        n = next(self.numbers)
        return self._add(ContactMessage(subject="other", message=f"Message {n}", email=f"sender-{n}@example.test",
                                        ip="192.0.2.1", locale="fr", created_at=self.now))

    def person(self):
        n = next(self.numbers)
        return self.make_user(f"person-{n}@example.test", first_name="Person", last_name=str(n))

    def names(self, target):
        """What page paths are formatted with."""
        _id, serial, _code = self.world.mint()
        return {"target": target, "draft": self.item("draft"), "pending": self.item("pending"),
                "event": self.world.ids["today"], "order": self.order(), "serial": serial}


@pytest.fixture
def things(testapp, app, db_engine, make_user, clock):
    """Objects to act on: a world with an order, tickets and gates; content tasks; tokens."""
    return Things(db_engine, app.registry.settings, clock.now(), make_user)


def _exists(client_as, path):
    status = client_as("admin").get(path, expect_errors=True).status_int
    assert status != 404, f"{path} answers 404 for an administrator: the page is missing"
    return status


@pytest.mark.parametrize("path,allowed", PAGES, ids=[p for p, _a in PAGES])
def test_page_by_role(client_as, target, things, path, allowed):
    if "{" in path:
        path = path.format(**things.names(target))
    _exists(client_as, path)
    for role in ROLES:
        response = client_as(role).get(path, expect_errors=True)
        status = response.status_int
        if role in allowed:
            assert status == 200, f"{role} {path}: {status}"
        elif role == "visitor":
            assert status == 303 and "/account/@@login" in response.location, f"visitor {path}: {status}"
        else:
            assert status == 403, f"{role} {path}: {status}"


@pytest.mark.parametrize("path,allowed,area", ACTIONS, ids=[p for p, _a, _b in ACTIONS])
def test_action_by_role(client_as, target, path, allowed, area):
    _exists(client_as, area)
    path = path.format(target=target)
    for role in ROLES:
        client = client_as(role)
        response = client.post(path, {"csrf_token": csrf_token(client)}, expect_errors=True)
        status = response.status_int
        if role in allowed:
            # allowed through the ACL: the action answers for itself (done, or
            # "that needs a gate/role" as 303/400/404), never 403, never 500
            assert status != 403 and status < 500, f"{role} POST {path}: {status}"
        else:
            assert status == 403, f"{role} POST {path}: {status}"


# (name, roles allowed, what an allowed role gets, builder) — POST actions
# with real fields; builder(things, client) → (path, fields) and makes the
# object afresh for each role when the action changes it.
def _order_action(action):
    def build(things, client):
        if action == "cancel":
            return f"/backoffice/orders/{things.order()}/@@cancel", {}
        reference, ticket_id = things.ticket()
        return f"/backoffice/orders/{reference}/@@cancel-ticket", {"ticket": str(ticket_id)}
    return build


def _scan(things, client):
    # the desk's gate is chosen once per session: choose it first (refused
    # roles are refused there too, and again on the scan)
    client.post("/gate/@@choose", {"csrf_token": csrf_token(client),
                                   "gate_id": str(things.world.gate_ids["a1"])}, expect_errors=True)
    return "/gate/@@scan", {"code": things.world.mint()[2]}


FORM_ACTIONS = [
    ("content submit", {"editor", "manager", "admin"}, {303},
     lambda t, c: (f"/backoffice/content/{t.item('draft')}/@@submit", {})),
    ("content approve", {"manager", "admin"}, {303},
     lambda t, c: (f"/backoffice/content/{t.item('pending')}/@@approve", {})),
    ("content reject", {"manager", "admin"}, {303},
     lambda t, c: (f"/backoffice/content/{t.item('pending')}/@@reject", {"note": "À revoir."})),
    ("content new page", {"editor", "manager", "admin"}, {303},
     lambda t, c: ("/backoffice/content/@@new?kind=page", {
         "slug": f"new-{next(t.numbers)}", "title_fr": "Titre", "body_fr": "<p>Texte</p>",
         "title_en": "Title", "body_en": "<p>Text</p>"})),
    ("order cancel", {"manager", "admin"}, {303}, _order_action("cancel")),
    ("order cancel-ticket", {"manager", "admin"}, {303}, _order_action("cancel-ticket")),
    ("gate scan", {"agent", "admin"}, {200}, _scan),
    ("gate ticket deactivate", {"agent", "admin"}, {303},
     lambda t, c: (f"/gate/@@ticket?q={t.world.mint()[1]}", {"reason": "Billet perdu"})),
    ("gates add-gate", {"admin"}, {303},
     lambda t, c: ("/backoffice/gates/@@add-gate", {
         "venue_id": str(t.world.ids["venue_a"]), "name": "Porte Z", "code": f"porte-z-{next(t.numbers)}"})),
    ("gates add-token", {"admin"}, {200},
     lambda t, c: ("/backoffice/gates/@@add-token", {
         "gate_id": str(t.world.gate_ids["a1"]), "agent_id": str(t.agent), "label": "Scanner 1"})),
    ("gates revoke", {"admin"}, {303},
     lambda t, c: ("/backoffice/gates/@@revoke", {"token_id": str(t.token())})),
    ("gates toggle", {"admin"}, {303},
     lambda t, c: ("/backoffice/gates/@@toggle", {"gate_id": str(t.world.gate_ids["b1"])})),
    ("people deactivate", {"admin"}, {303},
     lambda t, c: (f"/backoffice/people/{t.person()}/@@deactivate", {})),
    ("people role", {"manager", "admin"}, {303},
     lambda t, c: (f"/backoffice/people/{t.person()}/@@role", {"role": "editor"})),
    ("contact handle", {"manager", "admin"}, {303},
     lambda t, c: ("/backoffice/contact/@@handle", {"message_id": str(t.contact())})),
    ("gate choose", {"agent", "admin"}, {303},
     lambda t, c: ("/gate/@@choose", {"gate_id": str(t.world.gate_ids["a1"])})),
]


@pytest.mark.parametrize("name,allowed,success,build", FORM_ACTIONS, ids=[a[0] for a in FORM_ACTIONS])
def test_form_action_by_role(client_as, things, name, allowed, success, build):
    """Allowed roles get the action's own success answer; the others a 403 (visitors too: a POST)."""
    for role in ROLES:
        client = client_as(role)
        path, fields = build(things, client)
        response = client.post(path, {"csrf_token": csrf_token(client), **fields}, expect_errors=True)
        status = response.status_int
        if role in allowed:
            assert status in success, f"{role} POST {path}: {status}"
            # done, not "that does not apply": no form error, no error message
            page = response.follow() if status == 303 else response
            problems = page.html.select(".invalid-feedback, .flash-error")
            assert not problems, f"{role} POST {path}: {problems[0].text.strip()}"
        else:
            assert status == 403, f"{role} POST {path}: {status}"


def test_gate_api_scan_by_role(client_as, things):
    """``POST /api/gate/scans`` from a browser session with the CSRF header.

    The JSON API answers a visitor 401 ("sign in first"), its form of the
    sign-in redirect; signed-in people without the gate permission get 403.
    """
    for role in ROLES:
        client = client_as(role)
        _id, _serial, code = things.world.mint()
        response = client.post_json("/api/gate/scans", {"code": code, "gate": things.world.gates["a1"]},
                                    headers={"X-CSRF-Token": csrf_token(client)}, expect_errors=True)
        status = response.status_int
        if role in {"agent", "admin"}:
            assert status == 200 and response.json.get("verdict"), f"{role}: {status} {response.text[:200]}"
        elif role == "visitor":
            assert status == 401, f"visitor: {status}"
        else:
            assert status == 403, f"{role}: {status}"


def test_deactivation_by_an_administrator(client_as, target, dbsession):
    from olympix.models import AuditEntry, User

    admin = client_as("admin")
    page = admin.get(f"/backoffice/people/{target}/@@deactivate")
    assert "target@example.test" in page
    done = page.forms["form"].submit("submit")
    assert done.status_int == 303
    user = dbsession.get(User, target)
    assert user.state == "deleted" and user.email.startswith("deleted-") and user.first_name == ""
    entry = dbsession.query(AuditEntry).filter_by(action="account.deactivate").one()
    assert entry.target_id == str(target) and entry.actor_id == admin.user_id
    # a second time says it is already done, and changes nothing
    again = admin.get(f"/backoffice/people/{target}/@@deactivate")
    assert again.status_int == 200 and "déjà désactivé" in again
    # and an administrator cannot deactivate themselves here
    own = admin.get(f"/backoffice/people/{admin.user_id}/@@deactivate")
    assert own.status_int == 303
    dbsession.expire_all()
    assert dbsession.get(User, admin.user_id).state == "active"


def test_home_shows_what_each_role_may_do(client_as):
    expected = {
        "editor": ({"/backoffice/content"}, {"/backoffice/figures", "/backoffice/audit", "/gate/",
                                             "/backoffice/contact"}),
        "agent": ({"/gate/", "/gate/@@history"}, {"/backoffice/content", "/backoffice/figures",
                                                  "/backoffice/audit", "/backoffice/contact"}),
        "manager": ({"/backoffice/content/@@queue", "/backoffice/figures", "/backoffice/people",
                     "/backoffice/contact"},
                    {"/backoffice/audit", "/backoffice/gates", "/gate/"}),
        "admin": ({"/backoffice/content", "/backoffice/content/@@queue", "/backoffice/figures",
                   "/backoffice/people", "/backoffice/audit", "/backoffice/gates", "/gate/",
                   "/backoffice/contact"}, set()),
    }
    for role, (shown, hidden) in expected.items():
        page = client_as(role).get("/backoffice")
        links = {a["href"].replace("http://localhost", "").rstrip("/") or "/"
                 for a in page.html.select("main .panel-title a")}
        links = {link if not link.endswith("/gate") else link + "/" for link in links}
        for path in shown:
            assert path.rstrip("/") in {link.rstrip("/") for link in links}, f"{role} misses {path}"
        for path in hidden:
            assert path.rstrip("/") not in {link.rstrip("/") for link in links}, f"{role} sees {path}"
