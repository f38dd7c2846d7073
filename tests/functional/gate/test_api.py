"""Every verdict through ``POST /api/gate/scans``, and bad input (never a 500)."""
import pytest
from sqlalchemy import select

from olympix.models import Ticket, TicketHistory
from olympix.models.gate import Scan
from tests.functional.helpers import csrf_of, sign_in


@pytest.fixture
def api(agent_app, world):
    """post(code, gate=…) as the signed-in agent with the session's CSRF token."""
    testapp, agent_id = agent_app
    testapp.post("/gate/@@choose", {"gate_id": world.gate_ids["a1"], "csrf_token": csrf_of(testapp)})
    token = csrf_of(testapp)

    def post(code, gate=world.gates["a1"], status=200, **extra):
        body = {"code": code, "gate": gate, **extra}
        return testapp.post_json("/api/gate/scans", body, headers={"X-CSRF-Token": token}, status=status).json

    post.agent_id = agent_id
    return post


def test_admit_then_already_scanned(api, world, dbsession):
    ticket_id, serial, code = world.mint(attendee=("Marie", "Dupont"))
    first = api(code)
    assert first["verdict"] == "admit" and first["reason"] == "admitted"
    assert first["holder"] == {"name": "Marie Dupont"}
    assert first["buyer"] == {"name": "Ada Lovelace"}
    assert first["ticket"]["serial"] == serial and first["ticket"]["state"] == "scanned"
    assert first["event"]["title"] == "Athlétisme — 100 m finale"
    assert first["reason_text"]
    again = api(code.lower() + "\r\n", gate=world.gates["a2"])
    assert again["verdict"] == "deny" and again["reason"] == "already_scanned"
    assert "Porte A" in again["reason_text"] and again["previous"]["gate"] == "Porte A"
    assert dbsession.get(Ticket, ticket_id).state == "scanned"
    history = dbsession.scalars(select(TicketHistory).where(TicketHistory.ticket_id == ticket_id)).all()
    assert [(h.from_state, h.to_state, h.actor_id) for h in history] == [("paid", "scanned", api.agent_id)]
    scans = dbsession.scalars(select(Scan).where(Scan.ticket_id == ticket_id).order_by(Scan.id)).all()
    assert [(s.verdict, s.reason) for s in scans] == [("admit", "admitted"), ("deny", "already_scanned")]
    assert code not in {s.code_excerpt for s in scans}  # never the whole code


def test_buyer_is_left_out_when_holder_is_the_buyer(api, world):
    _id, _serial, code = world.mint(attendee=("Ada", "Lovelace"))
    answer = api(code)
    assert answer["verdict"] == "admit" and answer["buyer"] is None


def test_delivered_ticket_is_admitted(api, world):
    assert api(world.mint(state="delivered")[2])["verdict"] == "admit"


@pytest.mark.parametrize("state, reason", [("deactivated", "deactivated"), ("expired", "expired")])
def test_dead_tickets_are_refused(api, world, state, reason):
    answer = api(world.mint(state=state)[2])
    assert (answer["verdict"], answer["reason"]) == ("deny", reason)
    assert answer["holder"]["name"] == "Marie Dupont"


@pytest.mark.parametrize("event, gate", [("elsewhere", "a1"), ("tomorrow", "a1"), ("later_today", "a1"),
                                         ("today", "b1")])
def test_wrong_event_venue_or_time(api, world, event, gate, dbsession):
    ticket_id, _serial, code = world.mint(event=event)
    answer = api(code, gate=world.gates[gate])
    assert (answer["verdict"], answer["reason"]) == ("deny", "wrong_event_or_day")
    assert dbsession.get(Ticket, ticket_id).state == "paid"


def test_window_opens_before_the_start_and_closes_at_the_end(api, world, clock):
    code = world.mint(event="later_today")[2]  # starts in 5 h; gates open 3 h before
    clock.advance(hours=1, minutes=59)
    assert api(code)["reason"] == "wrong_event_or_day"
    clock.advance(minutes=2)
    assert api(code)["verdict"] == "admit"
    late = world.mint(event="today")[2]  # ends in 4 h
    clock.advance(hours=1, minutes=58)
    assert api(late)["verdict"] == "admit"  # the last minutes still count
    clock.advance(minutes=3)
    assert api(world.mint(event="today")[2])["reason"] == "expired"  # over: expired, not "wrong day"


def test_ticket_of_an_ended_event_is_expired_at_the_gate(api, world, clock, dbsession):
    # Minted paid, never scanned, nothing sets its state: the event ends.
    ticket_id, _serial, code = world.mint(event="today")  # starts in 1 h, ends in 4 h
    delivered = world.mint(event="today", state="delivered")[2]
    clock.advance(hours=4, minutes=1)
    answer = api(code)
    assert (answer["verdict"], answer["reason"]) == ("deny", "expired")
    assert answer["holder"]["name"] == "Marie Dupont" and answer["reason_text"]
    assert api(delivered)["reason"] == "expired"
    # at another venue's gate too: the ticket is over everywhere
    assert api(code, gate=world.gates["b1"])["reason"] == "expired"
    # the scan only denies; the state moves with ``olympix expire-tickets``
    assert dbsession.get(Ticket, ticket_id).state == "paid"
    scans = dbsession.scalars(select(Scan).where(Scan.ticket_id == ticket_id)).all()
    assert [(s.verdict, s.reason) for s in scans] == [("deny", "expired")] * 2


def test_chosen_event_narrows_the_gate(api, world):
    code = world.mint(event="other_today")[2]
    answer = api(code, event=world.ids["today"])
    assert answer["reason"] == "wrong_event_or_day"
    assert api(code, event=world.ids["other_today"])["verdict"] == "admit"


def test_forged_and_unreadable_codes_are_recorded(api, world, dbsession):
    _id, serial, code = world.mint()
    flipped = code[:-3] + ("A" if code[-3] != "A" else "B") + code[-2:]
    assert api(flipped)["reason"] == "unknown_or_forged"
    assert api("OXA" + "A" * 26)["reason"] == "unknown_or_forged"
    assert api("hello world")["reason"] == "unreadable"
    assert api("")["reason"] == "unreadable"
    assert api("X" * 10_000)["reason"] == "unreadable"
    assert api("\x00\xff\ufffd💥" * 50)["reason"] == "unreadable"
    assert api("OXZ" + code[3:])["reason"] == "retired_key"  # a key id not on the ring (issue #12.4: its own kind)
    scans = dbsession.scalars(select(Scan).order_by(Scan.id)).all()
    assert len(scans) == 7 and all(s.ticket_id is None and s.verdict == "deny" for s in scans)
    assert all(len(s.code_excerpt) <= 12 and len(s.code_sha256) == 64 for s in scans)


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'"a string"', b"{}", b'{"code": 12, "gate": "x"}', b'{"code": null}',
    b'{"code": "OX", "gate": 5}', b'{"code": "OX"}', b'{"code": "OX", "event": "x", "gate": "%s"}',
])
def test_malformed_requests_get_json_4xx(agent_app, world, body):
    testapp, _agent = agent_app
    body = body.replace(b"%s", world.gates["a1"].encode())
    token = csrf_of(testapp)
    response = testapp.post("/api/gate/scans", body, headers={"X-CSRF-Token": token,
                            "Content-Type": "application/json"}, expect_errors=True)
    assert 400 <= response.status_int < 500 and response.json["status"] == response.status_int


def test_unknown_or_closed_gate_is_404(api, world, dbsession):
    code = world.mint()[2]
    api(code, gate="no-such-gate", status=404)
    api(code, gate="../../etc", status=404)


def test_session_needs_the_csrf_header(agent_app, world):
    testapp, _agent = agent_app
    response = testapp.post_json("/api/gate/scans", {"code": "x", "gate": world.gates["a1"]},
                                 expect_errors=True)
    assert response.status_int == 400 and "error" in response.json


def test_unauthenticated_is_401_json(testapp, world):
    response = testapp.post_json("/api/gate/scans", {"code": "x", "gate": world.gates["a1"]},
                                 expect_errors=True)
    assert response.status_int == 401 and response.content_type == "application/json"


def test_non_agent_is_403_json(testapp, world):
    sign_in(testapp, "buyer@example.test")
    token = testapp.get("/").html.find("input", attrs={"name": "csrf_token"})
    headers = {"X-CSRF-Token": token["value"]} if token else {}
    response = testapp.post_json("/api/gate/scans", {"code": "x", "gate": world.gates["a1"]},
                                 headers=headers, expect_errors=True)
    assert response.status_int == 403 and response.content_type == "application/json"


def test_get_is_refused(agent_app, world):
    testapp, _agent = agent_app
    assert testapp.get("/api/gate/scans", expect_errors=True).status_int in (404, 405)
