"""Gate and ticket commands as an operator runs them: expire-tickets, gate-tokens, gate-token-revoke.

The commands run in a subprocess on the system clock, so events that are
over are made in the past of the real time.
"""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from olympix.models import AuditEntry, Ticket, TicketHistory, Venue
from olympix.models.gate import DeviceToken
from olympix.services.audit import first_broken_entry
from olympix.services.clock import SystemClock
from tests.factories import catalogue
from tests.functional.helpers import csrf_of, olympix


def add_ended_event(world, db_engine, key="ended", hours_ago=2):
    """An event at venue A that ended ``hours_ago`` hours ago (real time)."""
    with Session(db_engine) as s, s.begin():
        venue = s.get(Venue, world.ids["venue_a"])
        ends = SystemClock().now() - timedelta(hours=hours_ago)
        event = catalogue.event(s, ends - timedelta(hours=3), hours=3, slug=f"{key}-{venue.slug}",
                                code=f"{key[:6].upper()}-{venue.id}", venue_slug=venue.slug,
                                title_fr="Fini", title_en="Over", capacity=100, seats_left=50,
                                prices=(None, None, None))
        world.ids[key] = event.id


def states(dbsession, ids):
    dbsession.rollback()  # a fresh snapshot (MariaDB's REPEATABLE READ)
    return {i: dbsession.get(Ticket, i).state for i in ids}


def test_expire_tickets_moves_live_tickets_of_ended_events_once(world, ini, db_engine, dbsession):
    add_ended_event(world, db_engine)
    paid = world.mint(event="ended")[0]
    delivered = world.mint(event="ended", state="delivered")[0]
    paid_too = world.mint(event="ended")[0]
    scanned = world.mint(event="ended", state="scanned")[0]
    deactivated = world.mint(event="ended", state="deactivated")[0]
    future = world.mint(event="today")[0]
    tomorrow = world.mint(event="tomorrow", state="delivered")[0]

    result = olympix("expire-tickets", ini, "--batch", "2")  # two full batches and a last one
    assert result.returncode == 0, result.stderr
    assert "3 ticket(s) expired" in result.stdout
    assert states(dbsession, [paid, delivered, paid_too, scanned, deactivated, future, tomorrow]) == {
        paid: "expired", delivered: "expired", paid_too: "expired", scanned: "scanned",
        deactivated: "deactivated", future: "paid", tomorrow: "delivered"}
    history = dbsession.execute(select(TicketHistory.ticket_id, TicketHistory.from_state, TicketHistory.to_state,
                                       TicketHistory.reason, TicketHistory.actor_id)
                                .order_by(TicketHistory.ticket_id)).all()
    assert [tuple(h) for h in history] == [(paid, "paid", "expired", "event over", None),
                                           (delivered, "delivered", "expired", "event over", None),
                                           (paid_too, "paid", "expired", "event over", None)]
    ticket = dbsession.get(Ticket, paid)
    assert ticket.state_reason == "event over"

    again = olympix("expire-tickets", ini)
    assert again.returncode == 0, again.stderr
    assert "0 ticket(s) expired" in again.stdout
    dbsession.rollback()
    assert dbsession.scalar(select(func.count()).select_from(TicketHistory)) == 3


def test_expire_tickets_is_bounded_per_run(world, ini, db_engine, dbsession):
    add_ended_event(world, db_engine)
    ids = [world.mint(event="ended")[0] for _ in range(3)]
    first = olympix("expire-tickets", ini, "--batch", "1", "--limit", "2")
    assert first.returncode == 0, first.stderr
    assert "2 ticket(s) expired" in first.stdout and "run again" in first.stdout
    assert sorted(states(dbsession, ids).values()) == ["expired", "expired", "paid"]
    rest = olympix("expire-tickets", ini, "--limit", "2")
    assert "1 ticket(s) expired" in rest.stdout and "run again" not in rest.stdout
    assert set(states(dbsession, ids).values()) == {"expired"}
    bad = olympix("expire-tickets", ini, "--batch", "0")
    assert bad.returncode == 2 and "--batch" in bad.stderr


def test_expired_ticket_is_refused_at_the_gate_after_the_command(world, ini, db_engine, agent_app):
    add_ended_event(world, db_engine, hours_ago=0)  # ends now: the app's FakeClock is just before
    testapp, _agent = agent_app
    code = world.mint(event="ended")[2]
    assert olympix("expire-tickets", ini).returncode == 0
    testapp.post("/gate/@@choose", {"gate_id": world.gate_ids["a1"], "csrf_token": csrf_of(testapp)})
    answer = testapp.post_json("/api/gate/scans", {"code": code, "gate": world.gates["a1"]},
                               headers={"X-CSRF-Token": csrf_of(testapp)}).json
    assert (answer["verdict"], answer["reason"], answer["ticket"]["state"]) == ("deny", "expired", "expired")


def test_gate_tokens_lists_and_revoke_is_audited(world, ini, make_user, dbsession):
    make_user("agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    assert "no device token yet" in olympix("gate-tokens", ini).stdout
    made = olympix("gate-token", ini, "--agent", "agent@example.test", "--gate", world.gates["a1"],
                   "--label", "lane 3 tablet")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    other = olympix("gate-token", ini, "--agent", "agent@example.test", "--gate", world.gates["b1"])
    assert other.returncode == 0, other.stderr
    dbsession.rollback()
    first, second = dbsession.scalars(select(DeviceToken).order_by(DeviceToken.id)).all()

    listed = olympix("gate-tokens", ini)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert "gate" in lines[0] and "agent" in lines[0] and "created" in lines[0] and "revoked" in lines[0]
    line = next(ln for ln in lines if ln.split()[0] == str(first.id))
    assert world.gates["a1"] in line and "agent@example.test" in line and "lane 3 tablet" in line
    assert f"{first.created_at:%Y-%m-%d %H:%M}" in line
    assert token not in listed.stdout and first.token_sha256 not in listed.stdout  # never the secret

    revoked = olympix("gate-token-revoke", ini, str(first.id))
    assert revoked.returncode == 0, revoked.stderr
    assert f"token {first.id}" in revoked.stdout and "revoked" in revoked.stdout
    dbsession.rollback()
    row = dbsession.get(DeviceToken, first.id)
    assert row.revoked_at is not None and dbsession.get(DeviceToken, second.id).revoked_at is None
    entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "gate.token.revoke"))
    assert entry.target_type == "gate_device_token" and entry.target_id == str(first.id)
    assert world.gates["a1"] in entry.details
    assert first_broken_entry(dbsession) is None

    # the list shows it revoked; the token no longer scans
    line = next(ln for ln in olympix("gate-tokens", ini).stdout.splitlines() if ln.split()[0] == str(first.id))
    assert f"{row.revoked_at:%Y-%m-%d %H:%M}" in line
    reader = olympix("gate-reader", ini, "--gate", world.gates["a1"], "--token", token, "--port", "loop://")
    assert reader.returncode == 2 and "revoked" in reader.stderr

    # again: says so, changes nothing; unknown id: a clear error
    again = olympix("gate-token-revoke", ini, str(first.id))
    assert again.returncode == 0 and "already revoked" in again.stdout
    dbsession.rollback()
    assert dbsession.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "gate.token.revoke")) == 1
    unknown = olympix("gate-token-revoke", ini, "999999")
    assert unknown.returncode == 2 and "no device token" in unknown.stderr
