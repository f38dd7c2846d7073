"""Issue 15.8 on the buyer's pages: nothing inline (the CSP runs none), never stored once signed in."""
from sqlalchemy import select

from olympix.models import Order, Ticket
from tests.functional.booking.journey import CARD_OK, fresh, hold_and_pay_page, local, pay_at_provider
from tests.functional.test_security_headers import inline_bits, not_stored


def test_booking_pages_carry_nothing_inline_and_are_not_stored(testapp, buyer, make_event, sandbox, dbsession):
    sandbox_client, _pay_app = sandbox
    event = make_event(capacity=10)
    order_page, to_provider = hold_and_pay_page(testapp, event)
    back = pay_at_provider(sandbox_client, to_provider, CARD_OK)
    testapp.get(local(back.location))
    fresh(dbsession)
    order = dbsession.scalar(select(Order))
    ticket = dbsession.scalars(select(Ticket).order_by(Ticket.id)).first()
    pages = [order_page, testapp.get(f"/events/{event.slug}"), testapp.get(f"/orders/{order.reference}/"),
             testapp.get("/orders/"), testapp.get("/tickets/"), testapp.get(f"/tickets/{ticket.id}/")]
    for page in pages:
        assert inline_bits(page) == [], page.request.path
        assert not_stored(page), page.request.path
