"""Administrators: gates, device tokens (shown once, audited); bearer scanning; seed; commands."""
from pyramid.scripting import prepare
from sqlalchemy import select

from olympix.models import AuditEntry, Ticket, User
from olympix.models.gate import DeviceToken, Gate, Scan
from olympix.seed import gate as seed_gate

from tests.functional.helpers import sign_in, submit


def admin_app(testapp, make_user):
    make_user("admin@example.test", role="admin", first_name="Thomas", last_name="Moreau")
    sign_in(testapp, "admin@example.test")
    return testapp


def make_token(testapp, world, agent_id, gate="a1"):
    page = testapp.get("/backoffice/gates/@@add-token")
    page = submit(page, gate_id=str(world.gate_ids[gate]), agent_id=str(agent_id), label="lane 1")
    assert page.status_int == 200 and page.headers["Cache-Control"] == "no-store"
    return page.html.find(id="device-token").text.strip()


def test_admin_makes_a_gate_and_a_token_that_scans(testapp, make_user, world, dbsession):
    agent_id = make_user("agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    admin_app(testapp, make_user)
    page = testapp.get("/backoffice/gates/")
    assert "Porte A" in page and "Stade de France" in page
    page = submit(testapp.get("/backoffice/gates/@@add-gate"), venue_id=str(world.ids["venue_a"]),
                  name="Porte Sud", code="Bad Code")
    assert page.status_int == 200  # refused: not a slug
    page = submit(page, venue_id=str(world.ids["venue_a"]), name="Porte Sud", code="stade-sud").follow()
    assert "Porte Sud" in page
    token = make_token(testapp, world, agent_id)
    assert token.startswith("oxg_")
    row = dbsession.scalar(select(DeviceToken))
    assert row.token_sha256 != token and len(row.token_sha256) == 64
    testapp.reset()  # a device: no cookie, no CSRF

    ticket_id, _serial, code = world.mint()
    auth = {"Authorization": f"Bearer {token}"}
    answer = testapp.post_json("/api/gate/scans", {"code": code}, headers=auth).json
    assert answer["verdict"] == "admit" and answer["scan"]["gate"] == world.gates["a1"]
    dbsession.rollback()  # a fresh snapshot (MariaDB's REPEATABLE READ)
    scan = dbsession.scalar(select(Scan).where(Scan.ticket_id == ticket_id))
    assert scan.device_token_id == row.id and scan.agent_id == agent_id
    # bound to its gate
    other = testapp.post_json("/api/gate/scans", {"code": code, "gate": world.gates["b1"]}, headers=auth,
                              expect_errors=True)
    assert other.status_int == 403
    # a wrong token is anonymous, whatever else the request carries
    bad = testapp.post_json("/api/gate/scans", {"code": code}, headers={"Authorization": "Bearer oxg_nope"},
                            expect_errors=True)
    assert bad.status_int == 401
    # the token gives agent rights only, and nothing outside the API
    assert testapp.get("/gate/", headers=auth, expect_errors=True).status_int in (302, 303)

    sign_in(testapp, "admin@example.test")
    page = testapp.get("/backoffice/gates/")
    page.forms[[i for i, f in page.forms.items() if f.action.endswith("@@revoke")][0]].submit("token_id").follow()
    testapp.reset()
    revoked = testapp.post_json("/api/gate/scans", {"code": code}, headers=auth, expect_errors=True)
    assert revoked.status_int == 401
    dbsession.rollback()
    actions = dbsession.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions == ["gate.create", "gate.token.create", "gate.token.revoke"]


def test_admin_token_carries_agent_rights_only(testapp, make_user, world, dbsession):
    admin_app(testapp, make_user)
    admin = dbsession.scalar(select(User).where(User.email == "admin@example.test"))
    token = make_token(testapp, world, admin.id)
    testapp.reset()
    auth = {"Authorization": f"Bearer {token}"}
    assert testapp.get("/backoffice/gates/", headers=auth, expect_errors=True).status_int in (302, 303, 401, 403)
    assert testapp.post_json("/api/gate/scans", {"code": "x"}, headers=auth).json["verdict"] == "deny"


def test_agents_cannot_manage_gates(agent_app, world):
    testapp, _agent = agent_app
    assert testapp.get("/backoffice/gates/", expect_errors=True).status_int == 403


def test_closed_gate_refuses_scans(testapp, make_user, world, dbsession):
    admin_app(testapp, make_user)
    page = testapp.get("/backoffice/gates/")
    form = [f for f in page.forms.values() if f.action.endswith("@@toggle")][0]
    testapp.post("/backoffice/gates/@@toggle", {"gate_id": world.gate_ids["a1"],
                                                      "csrf_token": form["csrf_token"].value})
    assert dbsession.get(Gate, world.gate_ids["a1"]).active is False
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    answer = testapp.post_json("/api/gate/scans", {"code": world.mint()[2], "gate": world.gates["a1"]},
                               headers={"X-CSRF-Token": token}, expect_errors=True)
    assert answer.status_int == 404


def test_staff_deactivate_a_ticket(agent_app, world, dbsession):
    testapp, agent_id = agent_app
    ticket_id, serial, code = world.mint()
    page = testapp.get("/gate/@@ticket", {"q": code})
    assert "Marie Dupont" in page
    page = submit(page, reason="x")  # too short
    assert page.status_int == 200
    page = submit(page, reason="Lost, reissued").follow()
    assert str(serial) in page
    ticket = dbsession.get(Ticket, ticket_id)
    assert ticket.state == "deactivated" and ticket.state_reason == "Lost, reissued"
    entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.deactivate"))
    assert entry.actor_id == agent_id and entry.target_id == str(ticket_id)
    testapp.post("/gate/@@choose", {"gate_id": world.gate_ids["a1"],
                                    "csrf_token": page.html.find("input", attrs={"name": "csrf_token"})["value"]})
    desk = testapp.get("/gate/")
    verdict = submit(desk, "scan-form", code=code)
    assert "verdict-deny" in verdict and "désactivé" in verdict.text
    assert testapp.get("/gate/@@ticket", {"q": "123"}).status_int == 200  # unknown: says so


def test_buyer_cannot_deactivate(testapp, world):
    sign_in(testapp, "buyer@example.test")
    assert testapp.get("/gate/@@ticket", expect_errors=True).status_int == 403


def test_seed_is_idempotent(app, world, dbsession):
    for _ in range(2):
        env = prepare(registry=app.registry)
        try:
            with env["request"].tm:
                seed_gate.seed(env["request"])
        finally:
            env["closer"]()
    gates = dbsession.scalars(select(Gate)).all()
    per_venue = {}
    for g in gates:
        per_venue.setdefault(g.venue_id, set()).add(g.code)
    # the stadium (80,000) gets A/B/C, the arena (15,000) A/B; names already there are kept
    assert len(per_venue[world.ids["venue_a"]]) == 3 and len(per_venue[world.ids["venue_b"]]) == 1 + 2


def test_device_token_is_honoured_under_api_only_even_with_dot_segments(testapp, make_user, world, dbsession):
    """``/api/../gate/…`` reaches the agents' pages by traversal: a device token must not open them."""
    agent_id = make_user("agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    admin_app(testapp, make_user)
    token = make_token(testapp, world, agent_id)
    testapp.reset()
    ticket_id, serial, code = world.mint()
    auth = {"Authorization": f"Bearer {token}"}
    for path in ("/api/../gate/@@ticket", "/api/./../gate/@@ticket", "/api/gate/../../gate/@@ticket"):
        page = testapp.get(path, {"q": code}, headers=auth, expect_errors=True)
        assert page.status_int in (302, 303, 401, 403, 404), path
        assert "Marie Dupont" not in page.text
    assert testapp.get("/api/../gate/@@history", headers=auth, expect_errors=True).status_int != 200
    assert testapp.get("/gate/@@history", headers=auth, expect_errors=True).status_int != 200
    assert dbsession.get(Ticket, ticket_id).state != "deactivated"
    # the scanning API itself still takes the token
    assert testapp.post_json("/api/gate/scans", {"code": code}, headers=auth).json["verdict"] == "admit"
