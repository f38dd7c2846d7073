"""The README's demo: after `olympix seed-demo`, buy a ticket for later today and scan it at once."""
from datetime import timedelta

from sqlalchemy import select

from olympix.models import Event, Ticket, Venue
from olympix.models.gate import Gate
from olympix.scripts.demo import seed_accounts, seeders
from olympix.seed.schedule import DEMO_SOON_CODE
from tests.functional.booking.journey import CARD_OK, book, fresh, local, pay_at_provider
from tests.functional.helpers import csrf_of, csrf_token, in_request, sign_in


def seed_demo(request):
    seed_accounts(request, "olympix-demo")
    for seed in seeders():
        seed(request)


def test_a_newcomer_buys_a_session_of_later_today_and_the_demo_agent_scans_it(
        app, testapp, sandbox, dbsession, clock):
    sandbox_client, _ = sandbox
    in_request(app, seed_demo)
    fresh(dbsession)
    event = dbsession.scalar(select(Event).where(Event.code == DEMO_SOON_CODE))
    opens_before = timedelta(minutes=app.registry.settings["olympix.gate.opens_before"])
    assert event.starts_at - opens_before <= clock.now() < event.starts_at  # on sale, gates open
    page = testapp.get(f"/events/{event.slug}")
    assert page.html.select_one(".event-hero .badge").text.strip() == "En vente"

    # The demo buyer: book a Solo, pay with the test card.
    sign_in(testapp, "user@demo.olympix.test", password="olympix-demo")
    held = book(testapp, event, offer="solo")
    assert held.status_int == 303, held.text[:500]
    to_provider = held.follow().forms["form"].submit("submit")
    back = pay_at_provider(sandbox_client, to_provider, CARD_OK)
    assert "Paiement reçu" in testapp.get(local(back.location))
    fresh(dbsession)
    ticket = dbsession.scalar(select(Ticket).join(Ticket.event).where(Event.code == DEMO_SOON_CODE))
    mobile = testapp.get(f"/tickets/{ticket.id}/")
    code = mobile.html.select_one(".ticket-serial").text.strip()
    testapp.post("/account/@@logout", {"csrf_token": csrf_token(testapp)})

    # The demo agent, at a gate of the venue, scans it: admitted.
    sign_in(testapp, "agent@demo.olympix.test", password="olympix-demo")
    gate = dbsession.scalar(select(Gate).join(Venue).where(Venue.id == event.venue_id).order_by(Gate.code))
    testapp.post("/gate/@@choose", {"gate_id": gate.id, "csrf_token": csrf_of(testapp)})
    answer = testapp.post_json("/api/gate/scans", {"code": code, "gate": gate.code},
                               headers={"X-CSRF-Token": csrf_of(testapp)}).json
    assert (answer["verdict"], answer["reason"]) == ("admit", "admitted"), answer
    assert answer["event"]["title"] == event.title_fr
