"""The phone's rotating code at the gate and on the m-ticket (issue #12.1 and #12.2)."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from olympix.models import Ticket
from olympix.models.gate import Scan
from olympix.security import ticket_code
from tests.functional.gate.test_api import api  # noqa: F401  (the fixture)
from tests.functional.helpers import sign_in


def test_the_current_code_is_admitted(api, world, clock):
    ticket_id, serial, _printed = world.mint()
    answer = api(world.rotating(ticket_id, clock.now()))
    assert (answer["verdict"], answer["reason"]) == ("admit", "admitted")
    assert answer["ticket"]["serial"] == serial


@pytest.mark.parametrize("seconds", [-30, 30])
def test_a_neighbouring_window_is_admitted(api, world, clock, seconds):
    ticket_id, _serial, _printed = world.mint()
    assert api(world.rotating(ticket_id, clock.now() + timedelta(seconds=seconds)))["verdict"] == "admit"


def test_a_two_minutes_old_code_is_stale_and_recorded(api, world, clock, dbsession):
    ticket_id, _serial, _printed = world.mint()
    old = world.rotating(ticket_id, clock.now())
    clock.advance(minutes=2)
    answer = api(old)
    assert (answer["verdict"], answer["reason"]) == ("deny", "stale_code")
    assert "capture d'écran" in answer["reason_text"] and answer["holder"]["name"] == "Marie Dupont"
    scan = dbsession.scalars(select(Scan).where(Scan.ticket_id == ticket_id)).one()
    assert (scan.verdict, scan.reason) == ("deny", "stale_code")
    assert dbsession.get(Ticket, ticket_id).state == "paid"  # the live code still gets in
    assert api(world.rotating(ticket_id, clock.now()))["verdict"] == "admit"


def test_a_code_from_the_future_or_another_ticket_is_forged(api, world, clock):
    ticket_id, _serial, _printed = world.mint()
    assert api(world.rotating(ticket_id, clock.now() + timedelta(minutes=3)))["reason"] == "unknown_or_forged"
    other_id, _s, _p = world.mint()
    code = world.rotating(other_id, clock.now())
    decoded = ticket_code.decode(code, world.ticket_keyring)
    assert decoded.serial != ticket_id
    tampered = code[:-1] + ("A" if code[-1] != "A" else "Q")
    assert api(tampered)["verdict"] == "deny"


def test_phone_only_session_refuses_the_printed_code(api, world, clock):
    world.set_event("today", phone_only=True)
    ticket_id, _serial, printed = world.mint()
    answer = api(printed)
    assert (answer["verdict"], answer["reason"]) == ("deny", "printed_phone_only")
    assert "Code imprimé refusé" in answer["reason_text"]
    assert api(world.rotating(ticket_id, clock.now()))["verdict"] == "admit"


def codes_of(page):
    return json.loads(page.html.find(id="ticket-live")["data-codes"])


def test_the_m_ticket_carries_the_codes_of_the_session(testapp, world, clock):
    ticket_id, serial, printed = world.mint()
    sign_in(testapp, "buyer@example.test")
    page = testapp.get(f"/tickets/{ticket_id}")
    codes = codes_of(page)
    assert codes["step"] == 30 and codes["start"] == ticket_code.window_of(clock.now()) - 1
    assert codes["now"] == int(clock.now().timestamp() * 1000)
    # From the window before now to the end of the session (starts in 1 h, lasts 3 h).
    assert len(codes["codes"]) == pytest.approx(4 * 120 + 2, abs=2)
    current = codes["codes"][1]
    assert current == world.rotating(ticket_id, clock.now()) and current in page.text
    assert printed not in page.text  # a screenshot of the phone is never the printed code
    assert 'src="http://localhost/static/' in page.text and "mticket.js" in page.text
    assert "<script>" not in page.text  # no inline script (CSP)
    assert "@@pdf" in page.text


def test_phone_only_m_ticket_offers_no_pdf(testapp, world):
    world.set_event("today", phone_only=True)
    ticket_id, _serial, _printed = world.mint()
    sign_in(testapp, "buyer@example.test")
    page = testapp.get(f"/tickets/{ticket_id}")
    assert "@@pdf" not in page.text and "Billet sur téléphone uniquement" in page.text
    refused = testapp.get(f"/tickets/{ticket_id}/@@pdf", status=303)
    assert refused.location.endswith(f"/tickets/{ticket_id}/")
    assert "uniquement" in refused.follow().text
    listing = testapp.get("/tickets/")
    assert f"/tickets/{ticket_id}/@@pdf" not in listing.text


def test_per_event_visibility_delay(testapp, world, clock):
    world.set_event("today", tickets_visible_before=0)  # starts in 1 h: not before its start
    ticket_id, _serial, _printed = world.mint()
    sign_in(testapp, "buyer@example.test")
    assert testapp.get(f"/tickets/{ticket_id}", status=303).location.endswith("/tickets/")
    clock.advance(hours=1)
    assert testapp.get(f"/tickets/{ticket_id}").status_int == 200


def test_a_code_under_a_retired_key_says_so(api, world):
    old_ring = ticket_code.Keyring({"B": bytes(range(32))}, current="B")
    answer = api(ticket_code.encode(123456, b"u" * 32, b"t" * 32, old_ring))
    assert (answer["verdict"], answer["reason"]) == ("deny", "retired_key")
    assert "clé retirée" in answer["reason_text"]
