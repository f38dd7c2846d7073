"""A queued sale admits resale buyers in turn too (#13.1 with #11.1): no pass, no resale hold."""
from datetime import timedelta

from sqlalchemy import func, select, update

from olympix.models import Event, Order, ResaleListing, Ticket, User
from olympix.services import resale
from tests.factories import catalogue
from tests.factories.orders import paid_order
from tests.functional.booking.journey import fresh
from tests.functional.booking.test_waiting_room import person, position, redis_app, room  # noqa: F401 (fixtures)
from tests.functional.helpers import in_request


def buy_resale_by_hand(client, event, listing_id):
    token = client.get("/").html.find("input", attrs={"name": "csrf_token"})["value"]
    return client.post(f"/events/{event.slug}/@@buy-resale", {"csrf_token": token, "listing": str(listing_id)})


def test_a_resale_hold_needs_the_queue_pass_like_a_primary_one(room, make_user, dbsession):
    app, clock = room
    event = catalogue.event(dbsession, clock.now() + timedelta(days=3), capacity=500)
    dbsession.commit()
    seller = make_user("seller@example.test")
    paid_order(app, event, seller, offer="duo")  # bought before the queued sale was set
    fresh(dbsession)
    ticket_id = dbsession.scalar(select(Ticket.id).order_by(Ticket.id))

    def list_it(request):
        ticket = request.dbsession.get(Ticket, ticket_id)
        return resale.list_pack(request, ticket, request.dbsession.get(User, ticket.owner_id)).id

    listing_id = in_request(app, list_it)
    # then a queued sale: opens in 20 minutes, one admission a second
    dbsession.execute(update(Event).where(Event.id == event.id).values(
        onsale_at=clock.now() + timedelta(minutes=20), admission_rate=60))
    dbsession.commit()
    fans = [person(room, make_user, n, address=f"203.0.113.{n}") for n in range(3)]
    for client in fans:
        position(client, event)
    clock.advance(minutes=20, seconds=1)  # the opening: one of the three is in
    answers = [position(client, event) for client in fans]
    admitted = [c for c, a in zip(fans, answers) if a["admitted"]]
    waiting = [c for c, a in zip(fans, answers) if not a["admitted"]]
    assert len(admitted) == 1 and len(waiting) == 2
    # without a pass: refused with the queue's message, nothing held
    refused = buy_resale_by_hand(waiting[0], event, listing_id).follow()
    assert "pas encore votre tour" in refused.text
    fresh(dbsession)
    assert dbsession.scalar(select(ResaleListing.state)) == "open"
    assert dbsession.scalar(select(func.count(Order.id))) == 1  # the seller's only
    # with the pass: the pack is held for them
    held = buy_resale_by_hand(admitted[0], event, listing_id)
    assert held.status_int == 303 and "/orders/" in held.location
    fresh(dbsession)
    assert dbsession.scalar(select(ResaleListing.state)) == "held"
    assert dbsession.scalar(select(func.count(Order.id))) == 2
