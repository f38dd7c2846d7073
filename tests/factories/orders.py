"""Paid orders with their tickets, made through the services (no provider)."""
from olympix.models import Event, OrderState, Payment, PaymentStatus, User
from olympix.services import booking, tickets
from tests.functional.helpers import in_request


def paid_order(app, event, user_id, offer="duo", quantity=1):
    """Hold, mark paid (a settled provider payment) and mint; returns the reference."""

    def make(request):
        user = request.dbsession.get(User, user_id)
        ev = request.dbsession.get(Event, event.id)
        chosen = next(o for o in ev.offers if o.kind == offer)
        order = booking.hold(request, user, ev, chosen, quantity)
        order.state = OrderState.PAID
        order.paid_at = booking.now(request)
        order.payments.append(Payment(
            provider="fake", checkout_id=f"cs_{order.reference}", status=PaymentStatus.PAID,
            provider_payment_id=f"pay_{order.reference}", amount_cents=order.total_cents,
            refunded_cents=0, created_at=order.created_at, updated_at=order.created_at))
        request.dbsession.flush()
        tickets.mint(request, order)
        return order.reference

    return in_request(app, make)
