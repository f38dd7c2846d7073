"""Offline gates at the API level (issue #12.3): the sealed bundle, the local verdict, the idempotent sync."""
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from olympix.gate import offline, tokens
from olympix.models import Ticket, User
from olympix.models.gate import Gate, Scan
from tests.functional.helpers import in_request


@pytest.fixture
def devices(app, world, make_user):
    """Device tokens for gates A and B of the stadium (agents Karim and Lina): {"a1": token, "a2": token}."""
    made = {}
    for key, email, name in (("a1", "karim@example.test", "Karim"), ("a2", "lina@example.test", "Lina")):
        agent_id = make_user(email, role="agent", first_name=name, last_name="Agent")

        def issue(request, key=key, agent_id=agent_id):
            gate = request.dbsession.get(Gate, world.gate_ids[key])
            return tokens.issue_token(request, gate, request.dbsession.get(User, agent_id), key)[1]

        made[key] = in_request(app, issue)
    return made


def bundle_of(testapp, token, status=200):
    answer = testapp.get("/api/gate/bundle", headers={"Authorization": f"Bearer {token}"}, status=status)
    return answer.json


def opened(testapp, token):
    return offline.open_sealed(bundle_of(testapp, token), offline.device_key(token))


def sync(testapp, token, scans, status=200, headers=None):
    return testapp.post_json("/api/gate/sync", {"scans": scans},
                             headers={"Authorization": f"Bearer {token}", **(headers or {})}, status=status).json


def entry(code, at, verdict="admit", reason="admitted"):
    return {"nonce": secrets.token_urlsafe(12), "code": code, "at": at.isoformat(), "verdict": verdict,
            "reason": reason}


def test_the_bundle_is_sealed_to_the_device_and_judges_offline(testapp, world, devices, clock):
    ticket_id, serial, printed = world.mint(attendee=("Marie", "Dupont"))
    gone_id, gone_serial, gone_code = world.mint(state="deactivated")
    sealed = bundle_of(testapp, devices["a1"])
    assert str(serial) not in sealed["ciphertext"] and "Marie" not in str(sealed)
    with pytest.raises(offline.BundleError):
        offline.open_sealed(sealed, offline.device_key(devices["a2"]))
    bundle = offline.open_sealed(sealed, offline.device_key(devices["a1"]))
    assert bundle["gate"] == world.gates["a1"] and str(serial) in bundle["tickets"]
    assert gone_serial in bundle["revoked"]
    assert str(world.ids["today"]) in bundle["events"] and str(world.ids["elsewhere"]) not in bundle["events"]
    now = clock.now()
    live = offline.verdict(bundle, world.rotating(ticket_id, now), now)
    assert (live["verdict"], live["reason"], live["holder"]) == ("admit", "admitted", "Marie Dupont")
    assert offline.verdict(bundle, printed, now)["verdict"] == "admit"
    assert offline.verdict(bundle, printed, now, admitted={serial})["reason"] == "already_scanned"
    assert offline.verdict(bundle, world.rotating(ticket_id, now - timedelta(minutes=2)), now)["reason"] \
        == "stale_code"
    assert offline.verdict(bundle, gone_code, now)["reason"] == "deactivated"
    assert offline.verdict(bundle, "OXA" + "Q" * 26, now)["reason"] == "unknown_or_forged"
    assert offline.verdict(bundle, "hello", now)["reason"] == "unreadable"


def test_a_revoked_token_gets_no_bundle(testapp, app, world, devices):
    def revoke(request):
        row = request.dbsession.scalar(select(tokens.DeviceToken).where(tokens.DeviceToken.label == "a1"))
        tokens.revoke_token(request, row, actor=None)

    in_request(app, revoke)
    assert bundle_of(testapp, devices["a1"], status=401)["status"] == 401  # anonymous: no bundle


def test_two_gates_admit_offline_then_sync(testapp, world, devices, clock, dbsession):
    ticket_id, serial, printed = world.mint(attendee=("Marie", "Dupont"))
    bundles = {key: opened(testapp, token) for key, token in devices.items()}
    t1 = clock.now()
    t2 = t1 + timedelta(minutes=1)
    code_a, code_b = world.rotating(ticket_id, t1), world.rotating(ticket_id, t2)
    # The server does not answer: each gate judges alone.
    assert offline.verdict(bundles["a1"], code_a, t1)["verdict"] == "admit"
    assert offline.verdict(bundles["a2"], code_b, t2)["verdict"] == "admit"
    clock.advance(minutes=5)
    journal_a = [entry(code_a, t1)]
    journal_b = [entry(code_b, t2), entry("garbage", t2 + timedelta(seconds=5), verdict="deny", reason="unreadable")]
    first = sync(testapp, devices["a1"], journal_a)
    assert (first["applied"], first["results"][0]["verdict"]) == (1, "admit")
    second = sync(testapp, devices["a2"], journal_b)
    assert [r["reason"] for r in second["results"]] == ["double_offline", "unreadable"]
    dbsession.rollback()
    scans = dbsession.scalars(select(Scan).where(Scan.ticket_id == ticket_id).order_by(Scan.at)).all()
    assert [(s.verdict, s.reason, s.offline) for s in scans] == [("admit", "admitted", True),
                                                                ("deny", "double_offline", True)]
    admitted, double = scans
    assert double.related_scan_id == admitted.id and admitted.at == t1 and double.at == t2
    assert {admitted.gate.name, double.gate.name} == {"Porte A", "Porte B"}
    assert {admitted.agent.first_name, double.agent.first_name} == {"Karim", "Lina"}
    ticket = dbsession.get(Ticket, ticket_id)
    assert (ticket.state, ticket.state_changed_at) == ("scanned", t1)
    # A replayed upload changes nothing.
    count = dbsession.scalar(select(func.count(Scan.id)))
    again = sync(testapp, devices["a2"], journal_b)
    assert (again["applied"], again["replayed"]) == (0, 2)
    assert sync(testapp, devices["a1"], journal_a)["applied"] == 0
    dbsession.rollback()
    assert dbsession.scalar(select(func.count(Scan.id))) == count
    # Admitted offline, then scanned online: already scanned.
    online = testapp.post_json("/api/gate/scans", {"code": world.rotating(ticket_id, clock.now())},
                               headers={"Authorization": f"Bearer {devices['a1']}"}).json
    assert (online["verdict"], online["reason"]) == ("deny", "already_scanned")


def test_a_refusal_offline_moves_no_ticket(testapp, world, devices, clock, dbsession):
    ticket_id, _serial, printed = world.mint()
    result = sync(testapp, devices["a1"], [entry(printed, clock.now(), verdict="deny", reason="already_scanned")])
    assert result["results"][0] == {"nonce": result["results"][0]["nonce"], "verdict": "deny",
                                    "reason": "already_scanned"}
    dbsession.rollback()
    assert dbsession.get(Ticket, ticket_id).state == "paid"
    assert dbsession.scalar(select(Scan.ticket_id).where(Scan.offline.is_(True))) == ticket_id


BAD_ENTRIES = [  # (entry, its nonce when it has a readable one, the reason in French)
    (1, None, "Chaque scan doit être un objet."),
    ({"nonce": "short", "code": "x", "at": "NOW", "verdict": "admit"}, None, "« nonce »"),
    ({"nonce": "n" * 12, "code": "x", "at": "yesterday", "verdict": "admit"}, "n" * 12, "ISO 8601"),
    ({"nonce": "n" * 12, "code": "x", "at": "2026-08-04T10:00:00", "verdict": "admit"}, "n" * 12, "ISO 8601"),
    ({"nonce": "n" * 12, "code": "x", "at": "2001-01-01T10:00:00+00:00", "verdict": "admit"}, "n" * 12,
     "trop éloignée de maintenant"),
    ({"nonce": "n" * 12, "code": "x", "at": "NOW", "verdict": "maybe"}, "n" * 12, "« verdict »"),
    ({"nonce": "n" * 12, "code": 5, "at": "NOW", "verdict": "admit"}, "n" * 12, "« code »"),
]


@pytest.mark.parametrize("bad, nonce, reason", BAD_ENTRIES)
def test_a_bad_entry_is_refused_alone_and_the_others_applied(testapp, world, devices, clock, dbsession,
                                                             bad, nonce, reason):
    """One corrupt entry must not keep a gate's thousands of genuine scans from the server."""
    before, after = entry(world.mint()[2], clock.now()), entry(world.mint()[2], clock.now())
    if isinstance(bad, dict) and bad["at"] == "NOW":
        bad = {**bad, "at": clock.now().isoformat()}
    answer = sync(testapp, devices["a1"], [before, bad, after])
    assert (answer["applied"], answer["replayed"]) == (2, 0)
    assert sorted(r["nonce"] for r in answer["results"]) == sorted([before["nonce"], after["nonce"]])
    [refused] = answer["refused"]
    assert refused["index"] == 1 and refused.get("nonce") == nonce and reason in refused["error"], refused
    dbsession.rollback()
    assert sorted(dbsession.scalars(select(Scan.nonce))) == sorted([before["nonce"], after["nonce"]])
    # Uploaded again (the device kept it): the two are known, the bad one refused again.
    again = sync(testapp, devices["a1"], [before, bad, after])
    assert (again["applied"], again["replayed"], len(again["refused"])) == (0, 2, 1)


def test_a_refused_entrys_reason_is_in_the_agents_language(testapp, world, devices, clock):
    old = entry(world.mint()[2], clock.now() - timedelta(days=8))
    answer = sync(testapp, devices["a1"], [old], headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert answer["refused"] == [{"index": 0, "nonce": old["nonce"], "error": "A scan's time is too far from now."}]
    assert answer["applied"] == answer["replayed"] == 0


def test_an_upload_counts_each_of_its_scans_once(testapp, world, devices, clock):
    """applied + replayed + refused = the scans sent: a nonce sent twice in one upload is replayed."""
    good = entry(world.mint()[2], clock.now())
    answer = sync(testapp, devices["a1"], [good, good, {"nonce": 7}])
    assert (answer["applied"], answer["replayed"], len(answer["refused"])) == (1, 1, 1)


@pytest.mark.parametrize("body", [
    {"scans": "nope"}, {"scans": {"nonce": "n" * 12}}, {"journal": []}, [1, 2], "not a journal",
])
def test_a_body_that_is_not_a_journal_is_refused_whole(testapp, world, devices, clock, dbsession, body):
    if isinstance(body, dict) and "journal" not in body:
        body = {**body, "also": [entry(world.mint()[2], clock.now())]}
    answer = testapp.post_json("/api/gate/sync", body, headers={"Authorization": f"Bearer {devices['a1']}"},
                               status=400).json
    assert answer["status"] == 400 and answer["error"]
    dbsession.rollback()
    assert dbsession.scalar(select(func.count(Scan.id))) == 0


def test_more_scans_than_an_upload_takes_are_refused_whole(testapp, world, devices, clock, dbsession):
    good = entry(world.mint()[2], clock.now())
    scans = [good] + [entry("garbage", clock.now(), verdict="deny", reason="unreadable") for _ in range(500)]
    answer = sync(testapp, devices["a1"], scans, status=400, headers={"Accept-Language": "en"})
    assert answer["error"] == '"scans" must be a list of at most 500 scans.'
    body = testapp.post("/api/gate/sync", "{not json", content_type="application/json",
                        headers={"Authorization": f"Bearer {devices['a1']}"}, status=400).json
    assert body["status"] == 400
    dbsession.rollback()
    assert dbsession.scalar(select(func.count(Scan.id))) == 0


def test_the_agents_page_gets_a_bundle_sealed_to_its_session(agent_app, world):
    testapp, _agent_id = agent_app
    world.mint()
    sealed = testapp.get("/api/gate/bundle", {"gate": world.gates["a1"]}).json
    assert sealed["gate"] == world.gates["a1"] and "ciphertext" in sealed
    assert testapp.get("/api/gate/bundle", status=400).json["status"] == 400
    testapp.post_json("/api/gate/sync", {"gate": world.gates["a1"], "scans": []}, status=400)  # no CSRF token


def test_a_venues_devices_share_one_read_of_its_tickets_for_a_while(app, testapp, world, devices, clock):
    """With olympix.gate.bundle_reuse_seconds, a process reads a venue's tickets once for its devices'
    refreshes within that time; its bundles say when they were read; later ones read them again."""
    _id, serial, _printed = world.mint(attendee=("Marie", "Dupont"))
    settings = app.registry.settings
    saved = settings["olympix.gate.bundle_reuse_seconds"]
    settings["olympix.gate.bundle_reuse_seconds"] = 20
    try:
        first = opened(testapp, devices["a1"])
        _later_id, later_serial, _code = world.mint(attendee=("Paul", "Martin"))
        clock.advance(seconds=15)
        other_gate = opened(testapp, devices["a2"])  # gate B, the same venue's sessions
        assert str(later_serial) not in other_gate["tickets"] and str(serial) in other_gate["tickets"]
        assert other_gate["generated_at"] == first["generated_at"] and other_gate["gate"] == world.gates["a2"]
        clock.advance(seconds=6)
        fresh = opened(testapp, devices["a1"])
        assert str(later_serial) in fresh["tickets"] and fresh["generated_at"] >= first["generated_at"] + 21
    finally:
        settings["olympix.gate.bundle_reuse_seconds"] = saved
        app.registry.pop("olympix.gate.bundle_tickets", None)
