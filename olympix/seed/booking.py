"""Demo booking: user@demo.olympix.test holds a paid Duo for today's session.

Idempotent: the demo order has a fixed reference; a second run finds it and
changes nothing. The seats are taken like any sale (conditional UPDATE)
and the tickets minted the same way, so the gate can scan them at once.
"""
from sqlalchemy import select

from ..models import (
    Event,
    Offer,
    Order,
    OrderAttendee,
    OrderLine,
    OrderState,
    Payment,
    PaymentStatus,
    User,
)
from ..models.catalogue import OfferKind
from ..services import booking, tickets
from .schedule import DEMO_TODAY_CODE

DEMO_EMAIL = "user@demo.olympix.test"
DEMO_REFERENCE = "DEMODUO001"
COMPANION = ("Lucas", "Martin")


def seed(request):
    dbsession = request.dbsession
    if dbsession.scalar(select(Order.id).where(Order.reference == DEMO_REFERENCE)) is not None:
        return None
    user = dbsession.scalar(select(User).where(User.email == DEMO_EMAIL))
    event = dbsession.scalar(select(Event).where(Event.code == DEMO_TODAY_CODE))
    if user is None or event is None:
        return None
    offer = dbsession.scalar(select(Offer).where(Offer.event_id == event.id, Offer.kind == OfferKind.DUO))
    if offer is None or not booking.take_seats(dbsession, event.id, offer.seats):
        return None
    current = booking.now(request)
    order = Order(reference=DEMO_REFERENCE, user_id=user.id, state=OrderState.PAID,
                  total_cents=offer.price_cents, currency="EUR", created_at=current,
                  held_until=current, paid_at=current)
    line = OrderLine(event_id=event.id, offer_id=offer.id, quantity=1, seats=offer.seats,
                     unit_price_cents=offer.price_cents)
    order.lines.append(line)
    order.payments.append(Payment(provider="demo", checkout_id=f"demo-{DEMO_REFERENCE}",
                                  status=PaymentStatus.PAID, amount_cents=offer.price_cents, refunded_cents=0,
                                  brand="visa", last4="4242", created_at=current, updated_at=current))
    dbsession.add(order)
    dbsession.flush()
    names = [(user.first_name, user.last_name), COMPANION]
    dbsession.add_all(OrderAttendee(order_id=order.id, order_line_id=line.id, position=i,
                                    first_name=first, last_name=last)
                      for i, (first, last) in enumerate(names[:offer.seats]))
    dbsession.flush()
    tickets.mint(request, order)
    return order
