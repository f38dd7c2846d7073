"""A manager changes a session's gate settings after tickets were sold (issue #12.2).

Through the public surface only: the back office's edit form and its
validation, then what the buyer's order page, the m-ticket and the gate's
API answer for the tickets already sold.
"""
import pytest
import webtest

from olympix.models import Order
from tests.functional.gate.test_api import api  # noqa: F401  (the fixture)
from tests.functional.helpers import post_button, sign_in, submit


@pytest.fixture
def client(app):
    """client(email): a WebTest client of its own (its own cookies), signed in as ``email``."""

    def make(email):
        other = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})
        sign_in(other, email)
        return other

    return make


@pytest.fixture
def manager(client, make_user):
    """A manager's client: changes an event's settings the way the back office does."""
    make_user("manager@staff.test", role="manager", first_name="Manon", last_name="Staff")
    browser = client("manager@staff.test")

    def change(event_id, **fields):
        page = browser.get(f"/backoffice/content/@@event?id={event_id}")
        # The world's sessions have no description: the texts form needs one.
        task = submit(page, body_fr="Finale.", body_en="Final.", **fields).follow()
        post_button(browser, task, "submit")
        post_button(browser, browser.get("/backoffice/content/@@queue"), "approve")

    return change


def test_phone_only_set_after_the_sale_applies_to_the_sold_tickets(api, world, clock, dbsession, client,  # noqa: F811
                                                                    manager):
    ticket_id, _serial, printed = world.mint()
    reference = dbsession.get(Order, world.ids["order"]).reference
    dbsession.rollback()
    buyer = client("buyer@example.test")
    order = buyer.get(f"/orders/{reference}")
    assert "@@tickets.pdf" in order.text and f"/tickets/{ticket_id}/@@pdf" in order.text

    manager(world.ids["today"], phone_only=True)

    order = buyer.get(f"/orders/{reference}")
    assert "@@tickets.pdf" not in order.text and f"/tickets/{ticket_id}/@@pdf" not in order.text
    assert f"/tickets/{ticket_id}" in order.text  # the phone ticket is still there
    mticket = buyer.get(f"/tickets/{ticket_id}")
    assert "Billet sur téléphone uniquement" in mticket.text and "@@pdf" not in mticket.text
    buyer.get(f"/tickets/{ticket_id}/@@pdf", status=303)
    answer = api(printed)
    assert (answer["verdict"], answer["reason"]) == ("deny", "printed_phone_only")
    assert api(world.rotating(ticket_id, clock.now()))["verdict"] == "admit"


def test_the_visibility_delay_set_after_the_sale_moves_the_m_ticket(world, clock, client, manager):
    ticket_id, _serial, _printed = world.mint()  # the session starts in 1 h
    buyer = client("buyer@example.test")
    assert buyer.get(f"/tickets/{ticket_id}").status_int == 200  # the site's 48 h: visible

    manager(world.ids["today"], tickets_visible_before="0")

    assert buyer.get(f"/tickets/{ticket_id}", status=303).location.endswith("/tickets/")
    clock.advance(minutes=59)
    buyer.get(f"/tickets/{ticket_id}", status=303)
    clock.advance(minutes=1)
    assert buyer.get(f"/tickets/{ticket_id}").status_int == 200
