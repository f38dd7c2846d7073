"""Transfer (the holder changes the name) and re-issue (staff, a damaged ticket).

Both mint a new ticket (new serial, new ``ticket_key``, so a new code) and
deactivate the old one, so an old copy is refused at the gate.
"""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from olympix.gate.scan import ScanConfig, scan
from olympix.models import AuditEntry, Event, Order, Ticket, TicketHistory
from olympix.models.gate import Gate
from olympix.models.tickets import change_state
from olympix.services import tickets as ticket_service
from olympix.services.clock import now
from tests.factories.orders import paid_order
from tests.functional.booking.journey import fresh
from tests.functional.helpers import in_request, sign_in


def tickets(dbsession):
    fresh(dbsession)
    return dbsession.scalars(select(Ticket).order_by(Ticket.id)).all()


def code_of(app, ticket_id):
    return in_request(app, lambda request: ticket_service.code_for(
        request, request.dbsession.get(Ticket, ticket_id)))


def snapshot(dbsession):
    """What a refused change must leave as it was."""
    fresh(dbsession)
    return ([(t.id, t.serial, t.state, t.attendee_name) for t in dbsession.scalars(select(Ticket).order_by(Ticket.id))],
            dbsession.scalar(select(func.count(TicketHistory.id))),
            dbsession.scalar(select(func.count(AuditEntry.seq))))


@pytest.fixture
def owned(testapp, buyer, make_event, dbsession, app):
    """A paid solo ticket of the signed-in buyer for an event in two hours: (event, ticket)."""
    event = make_event(starts_in=timedelta(hours=2))
    paid_order(app, event, buyer, offer="solo")
    return event, tickets(dbsession)[0]


def transfer(testapp, ticket_id, first_name="Grace", last_name="Hopper"):
    page = testapp.get(f"/tickets/{ticket_id}/")
    form = page.forms["transfer"]
    form["first_name"] = first_name
    form["last_name"] = last_name
    return form.submit("submit")


def scan_at_gate(app, dbsession, make_user, event, code):
    """Scan ``code`` at a gate of the event's venue as an agent; returns (verdict, reason)."""
    fresh(dbsession)
    agent_id = make_user(f"agent{code[-6:].lower()}@example.test", role="agent", first_name="Agent")
    venue_id = dbsession.get(Event, event.id).venue_id

    def run(request):
        gate = request.dbsession.scalar(select(Gate).where(Gate.venue_id == venue_id))
        if gate is None:
            gate = Gate(venue_id=venue_id, code=f"gate-{venue_id}", name="Porte A", active=True,
                        created_at=now(request))
            request.dbsession.add(gate)
            request.dbsession.flush()
        result = scan(request.dbsession, ScanConfig.from_settings(request.registry.settings), code,
                      gate=gate, agent_id=agent_id, now=now(request))
        return str(result.verdict), result.reason

    return in_request(app, run)


def test_owner_changes_the_name_and_the_old_code_is_refused(testapp, owned, dbsession, app, make_user):
    event, old = owned
    old_code = code_of(app, old.id)
    page = testapp.get(f"/tickets/{old.id}/")
    assert "Changer le nom du titulaire" in page.text
    done = transfer(testapp, old.id, " Grace ", "Hopper")
    assert done.status_int == 303
    after = done.follow()
    assert "désormais au nom de Grace Hopper" in after.text and "ne fonctionne plus" in after.text
    old_row, new = tickets(dbsession)
    assert done.location.endswith(f"/tickets/{new.id}/")
    assert old_row.state == "deactivated" and old_row.state_reason == "transfer"
    assert [(h.from_state, h.to_state) for h in old_row.history] == [
        (None, "paid"), ("paid", "delivered"), ("delivered", "deactivated")]
    # the redirect showed the new ticket to its holder: delivered
    assert (new.state, new.attendee_name, new.replaces_id) == ("delivered", "Grace Hopper", old.id)
    assert (new.order_id, new.order_line_id, new.event_id, new.owner_id) == (
        old.order_id, old.order_line_id, old.event_id, old.owner_id)
    assert new.serial != old.serial and new.ticket_key != old.ticket_key
    new_code = code_of(app, new.id)
    assert new_code != old_code
    minted = new.history[0]
    assert (minted.from_state, minted.to_state, minted.reason) == (None, "paid", "transfer")
    entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.transfer"))
    assert entry.target_id == str(new.serial) and "Grace Hopper" in entry.details
    # the old page says it was replaced and offers no form, the code is gone
    old_page = testapp.get(f"/tickets/{old.id}/")
    assert "transfer" not in old_page.forms and old_code not in old_page.text
    assert f"/tickets/{new.id}/" in old_page.text
    # at the gate: the old copy is refused, the new ticket admitted
    assert scan_at_gate(app, dbsession, make_user, event, old_code) == ("deny", "deactivated")
    assert scan_at_gate(app, dbsession, make_user, event, new_code) == ("admit", "admitted")


def test_another_person_cannot_transfer_someone_elses_ticket(testapp, owned, dbsession, make_user):
    _event, ticket = owned
    page = testapp.get(f"/tickets/{ticket.id}/")
    fields = dict(page.forms["transfer"].submit_fields())
    before = snapshot(dbsession)
    make_user("eve@example.test", first_name="Eve")
    sign_in(testapp, "eve@example.test")
    fields.update(first_name="Eve", last_name="Mallory",
                  csrf_token=testapp.get("/account/@@profile").forms["form"]["csrf_token"].value)
    # not hers: answered as if it did not exist (issue 15.7)
    assert testapp.get(f"/tickets/{ticket.id}/", status=404).status_int == 404
    assert testapp.post(f"/tickets/{ticket.id}/@@transfer", fields, status=404).status_int == 404
    assert testapp.post("/tickets/999999/@@transfer", fields, status=404).status_int == 404
    assert snapshot(dbsession) == before


def test_refused_once_the_event_started(testapp, owned, dbsession, clock):
    _event, ticket = owned
    page = testapp.get(f"/tickets/{ticket.id}/")
    form = page.forms["transfer"]
    form["first_name"], form["last_name"] = "Grace", "Hopper"
    before = snapshot(dbsession)
    clock.advance(hours=2, minutes=1)
    assert "transfer" not in testapp.get(f"/tickets/{ticket.id}/").forms
    refused = form.submit("submit")
    assert refused.status_int == 303
    assert "l’épreuve a commencé" in refused.follow().text
    assert snapshot(dbsession) == before


def test_refused_on_a_scanned_ticket(testapp, owned, dbsession, app, make_user):
    event, ticket = owned
    page = testapp.get(f"/tickets/{ticket.id}/")
    form = page.forms["transfer"]
    form["first_name"], form["last_name"] = "Grace", "Hopper"
    # scanned at the gate while the holder's page was open
    assert scan_at_gate(app, dbsession, make_user, event, code_of(app, ticket.id))[0] == "admit"
    before = snapshot(dbsession)
    refused = form.submit("submit")
    assert refused.status_int == 303
    assert "a été utilisé, annulé ou remplacé" in refused.follow().text
    assert snapshot(dbsession) == before


def test_reissue_loses_the_race_with_a_gate(testapp, owned, dbsession, app):
    """The state check in the service itself: a ticket scanned meanwhile is never replaced."""
    _event, ticket = owned

    def race(request):
        loaded = request.dbsession.get(Ticket, ticket.id)
        assert loaded.state in ticket_service.LIVE_STATES  # what the view saw
        change_state(request.dbsession, ticket.id, "scanned", at=now(request), reason="Porte A")
        with pytest.raises(ticket_service.ReissueRefused):
            ticket_service.reissue(request, loaded, first_name="Grace", last_name="Hopper",
                                   actor_id=loaded.owner_id, reason="transfer")

    in_request(app, race)
    assert [(t.state, t.attendee_name) for t in tickets(dbsession)] == [("scanned", "Ada Lovelace")]


@pytest.mark.parametrize("first_name, last_name", [
    ("", "Hopper"), ("Grace", ""), ("   ", "   "), ("x" * 10_000, "Hopper"), ("Grace", "y" * 101),
])
def test_bad_names_change_nothing(testapp, owned, dbsession, first_name, last_name):
    _event, ticket = owned
    testapp.get(f"/tickets/{ticket.id}/")  # opened: paid → delivered
    before = snapshot(dbsession)
    response = transfer(testapp, ticket.id, first_name, last_name)
    assert response.status_int == 200 and "invalid-feedback" in response.text
    assert "transfer" in response.forms
    assert snapshot(dbsession) == before


def test_missing_or_stale_csrf_is_refused(testapp, owned, dbsession):
    _event, ticket = owned
    before = snapshot(dbsession)
    body = {"first_name": "Grace", "last_name": "Hopper", "submit": "submit"}
    assert testapp.post(f"/tickets/{ticket.id}/@@transfer", body, status=400).status_int == 400
    body["csrf_token"] = "stale"
    assert testapp.post(f"/tickets/{ticket.id}/@@transfer", body, status=400).status_int == 400
    assert snapshot(dbsession) == before


def test_staff_reissue_keeps_the_names_and_is_audited(testapp, owned, dbsession, app, make_user):
    event, old = owned
    old_code = code_of(app, old.id)
    reference = dbsession.get(Order, old.order_id).reference
    # the buyer cannot re-issue (the back office is staff only)
    csrf = testapp.get("/account/@@profile").forms["form"]["csrf_token"].value
    assert testapp.post(f"/backoffice/orders/{reference}/@@reissue", {"ticket": old.id, "csrf_token": csrf},
                        status=403).status_int == 403
    assert [t.state for t in tickets(dbsession)] == ["paid"]
    manager_id = make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    page = testapp.get(f"/backoffice/orders/{reference}/")
    form = next(f for f in page.forms.values() if f.action.endswith("@@reissue"))
    after = form.submit().follow()
    old_row, new = tickets(dbsession)
    assert f"Billet réédité sous le numéro {new.serial}" in after.text
    assert old_row.state == "deactivated" and new.state == "paid" and new.replaces_id == old.id
    assert new.attendee_name == old_row.attendee_name == "Ada Lovelace"
    assert new.serial != old.serial and code_of(app, new.id) != old_code
    assert old_row.history[-1].actor_id == manager_id and new.history[0].actor_id == manager_id
    entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.reissue"))
    assert entry.actor_id == manager_id and entry.target_id == str(new.serial)
    # the replaced ticket has no button left; re-issuing it again changes nothing
    assert sum(f.action.endswith("@@reissue") for f in after.forms.values()) == 1
    before = snapshot(dbsession)
    again = form.submit().follow()
    assert "ne peut plus être modifié" in again.text
    assert snapshot(dbsession) == before
    assert scan_at_gate(app, dbsession, make_user, event, old_code) == ("deny", "deactivated")
