"""What an admit costs the database (issue #11.4, the gate's part), counted per request.

The target: one read (the ticket), one conditional UPDATE, one INSERT (the
scan; the ticket's history row is written by the database's trigger),
COMMIT. The pool's own ROLLBACK and PING on checkout (models/meta.py's
engine options) are not counted here: another change owns them.
"""
import contextlib
import dataclasses

import pytest
from sqlalchemy import event, select, update

from olympix.models import Ticket, TicketHistory, TicketState, User
from olympix.models.gate import Gate
from olympix.gate import scan as scan_module
from olympix.gate import tokens
from tests.functional.helpers import in_request


@contextlib.contextmanager
def counted(engine):
    seen = []

    def statement(conn, cursor, text, params, context, executemany):
        word = text.split(None, 1)[0].upper()
        if word != "BEGIN":  # SQLite only: models/__init__.py opens its transactions explicitly
            seen.append(word)

    def commit(conn):
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


@pytest.fixture
def device(app, world, make_user):
    agent_id = make_user("karim@example.test", role="agent", first_name="Karim", last_name="Diallo")

    def issue(request):
        gate = request.dbsession.get(Gate, world.gate_ids["a1"])
        return tokens.issue_token(request, gate, request.dbsession.get(User, agent_id), "lane 1")[1]

    return {"Authorization": f"Bearer {in_request(app, issue)}"}, agent_id


def test_an_admit_is_one_read_one_update_one_insert_and_the_commit(testapp, app, world, device, dbsession):
    headers, agent_id = device
    engine = app.registry["db_engine"]
    testapp.post_json("/api/gate/scans", {"code": world.mint()[2]}, headers=headers)  # the token is read once
    ticket_id, _serial, code = world.mint()
    with counted(engine) as seen:
        answer = testapp.post_json("/api/gate/scans", {"code": code}, headers=headers).json
    assert answer["verdict"] == "admit"
    assert seen == ["SELECT", "UPDATE", "INSERT", "COMMIT"], seen
    history = dbsession.scalars(select(TicketHistory).where(TicketHistory.ticket_id == ticket_id)).all()
    assert [(h.from_state, h.to_state, h.actor_id, h.reason) for h in history] == [
        ("paid", "scanned", agent_id, "Porte A")]


def test_a_deny_is_one_read_one_insert_and_the_commit(testapp, world, device, app):
    headers, _agent_id = device
    code = world.mint()[2]
    testapp.post_json("/api/gate/scans", {"code": code}, headers=headers)
    with counted(app.registry["db_engine"]) as seen:
        assert testapp.post_json("/api/gate/scans", {"code": code}, headers=headers).json["verdict"] == "deny"
    assert seen == ["SELECT", "INSERT", "COMMIT"], seen


def test_a_revoked_token_stops_at_once_in_this_process(testapp, app, world, device):
    headers, _agent_id = device
    testapp.post_json("/api/gate/scans", {"code": world.mint()[2]}, headers=headers)

    def revoke(request):
        row = request.dbsession.scalar(select(tokens.DeviceToken).where(tokens.DeviceToken.label == "lane 1"))
        tokens.revoke_token(request, row, actor=None)

    in_request(app, revoke)
    testapp.post_json("/api/gate/scans", {"code": world.mint()[2]}, headers=headers, status=401)


def test_a_ticket_delivered_after_it_was_read_is_still_admitted_once(testapp, app, world, device, dbsession,
                                                                     monkeypatch):
    """The prebuilt admit moves the ticket from the state read; if that lost a race, change_state tries both."""
    headers, agent_id = device
    testapp.post_json("/api/gate/scans", {"code": world.mint()[2]}, headers=headers)  # the token is read once
    ticket_id, _serial, code = world.mint()
    dbsession.execute(update(Ticket).where(Ticket.id == ticket_id).values(state=TicketState.DELIVERED))
    dbsession.commit()
    real_load = scan_module._load

    def stale_load(session, serial):  # what the scan read before the ticket was delivered
        loaded = real_load(session, serial)
        return dataclasses.replace(loaded, ticket=dataclasses.replace(loaded.ticket, state=TicketState.PAID))

    monkeypatch.setattr(scan_module, "_load", stale_load)
    with counted(app.registry["db_engine"]) as seen:
        answer = testapp.post_json("/api/gate/scans", {"code": code}, headers=headers).json
    assert (answer["verdict"], answer["reason"]) == ("admit", "admitted")
    assert seen == ["SELECT", "UPDATE", "UPDATE", "INSERT", "COMMIT"], seen  # from paid: no row; from delivered
    history = dbsession.scalars(select(TicketHistory).where(TicketHistory.ticket_id == ticket_id)
                                .order_by(TicketHistory.id)).all()
    assert [(h.from_state, h.to_state, h.actor_id, h.reason) for h in history][-1] == (
        "delivered", "scanned", agent_id, "Porte A")
    again = testapp.post_json("/api/gate/scans", {"code": code}, headers=headers).json
    assert (again["verdict"], again["reason"]) == ("deny", "already_scanned")
