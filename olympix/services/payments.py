"""Paying an order: checkout sessions, completion exactly once, refunds.

The provider tells the outcome twice (signed notification, signed return
redirect) and maybe more (duplicates, late ones). Whichever comes first
does the work; the others find nothing to do. The guard is a conditional
UPDATE of the payment row (``status`` from not-paid to ``paid``): it either
moves one row or none, so only one caller ever goes on to mark the order
paid and mint its tickets, all in the same transaction.

Provider calls (create a session, refund) carry an idempotency key derived
from our own rows, so a retried request or a replayed transaction gets the
same session or the same refund, never a second one.
"""
import logging

from sqlalchemy import select, update

from ..models import Order, OrderLine, OrderState, Payment, Ticket, User
from . import audit, booking, tickets
from .email import send_email
from .clock import now
from ..interfaces import IPaymentGateway
from .payment import PaymentProviderError

log = logging.getLogger(__name__)

UNPAID = ("open", "failed", "canceled", "expired")


def gateway(request):
    return request.find_service(IPaymentGateway)


def open_payment(order):
    return next((p for p in reversed(order.payments) if p.status == "open"), None)


def start_checkout(request, order, description, return_url, notify_url):
    """The provider's hosted page for this order (a new session, or the open one)."""
    payment = open_payment(order)
    if payment is not None and payment.checkout_url:
        return payment.checkout_url
    attempt = len(order.payments) + 1
    checkout = gateway(request).create_checkout(
        reference=order.reference, amount_cents=order.total_cents, currency=order.currency,
        description=description, success_url=return_url, cancel_url=return_url,
        notify_url=notify_url, idempotency_key=f"olympix-order-{order.reference}-{attempt}")
    current = now(request)
    request.dbsession.add(Payment(
        order_id=order.id, provider="sandboxpay", checkout_id=checkout.id, status="open",
        amount_cents=order.total_cents, refunded_cents=0, checkout_url=checkout.url,
        created_at=current, updated_at=current))
    request.dbsession.flush()
    return checkout.url


def find_payment(request, checkout_id):
    return request.dbsession.scalar(select(Payment).where(Payment.checkout_id == str(checkout_id)))


def apply_outcome(request, payment, state):
    """Record what the provider says about ``payment``'s session.

    ``state`` is a CheckoutState from a verified notification or from the
    provider's API. Returns one of ``"paid"`` (this call completed the
    order), ``"refunded"`` (paid too late: refunded), ``"failed"``,
    ``"open"`` or ``"duplicate"`` (nothing left to do).
    """
    dbsession = request.dbsession
    current = now(request)
    if state.status != "paid":
        if state.status in ("failed", "canceled", "expired"):
            dbsession.execute(
                update(Payment).where(Payment.id == payment.id, Payment.status == "open")
                .values(status=state.status, failure_reason=state.failure_reason,
                        brand=state.brand, last4=state.last4, updated_at=current)
                .execution_options(synchronize_session=False))
            dbsession.expire(payment)
            return "failed"
        return "open"
    moved = dbsession.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status.in_(UNPAID))
        .values(status="paid", provider_payment_id=state.payment_id, brand=state.brand,
                last4=(state.last4 or "")[-4:] or None, failure_reason=None, updated_at=current)
        .execution_options(synchronize_session=False)).rowcount
    dbsession.expire(payment)
    if not moved:
        return "duplicate"
    order = dbsession.get(Order, payment.order_id)
    # Never mint for a different amount, currency or order than the one asked.
    if (state.amount != payment.amount_cents or state.currency != order.currency
            or (state.reference is not None and state.reference != order.reference)):
        log.error("payment %s: %s %s for %s differs from %s %s for %s", payment.checkout_id,
                  state.amount, state.currency, state.reference, payment.amount_cents, order.currency,
                  order.reference)
        refund_payment(request, payment, state.payment_id)
        return "refunded"
    paid = dbsession.execute(
        update(Order).where(Order.id == order.id, Order.state == OrderState.HELD)
        .values(state=OrderState.PAID, paid_at=current)
        .execution_options(synchronize_session=False)).rowcount
    if not paid and _retake_expired(request, order):
        paid = dbsession.execute(
            update(Order).where(Order.id == order.id, Order.state == OrderState.EXPIRED)
            .values(state=OrderState.PAID, paid_at=current)
            .execution_options(synchronize_session=False)).rowcount
        if not paid:  # pragma: no cover - the order moved under us; undo the retake
            _give_back(request, order)
    dbsession.expire(order)
    if not paid:
        # Hold expired and the seats went to someone else, or the order was
        # already paid by another session, or cancelled: refund this payment.
        refund_payment(request, payment, state.payment_id)
        if dbsession.scalar(select(Order.state).where(Order.id == order.id)) == OrderState.EXPIRED:
            dbsession.execute(update(Order).where(Order.id == order.id, Order.state == OrderState.EXPIRED)
                              .values(state=OrderState.CANCELLED, cancelled_at=current)
                              .execution_options(synchronize_session=False))
        return "refunded"
    tickets.mint(request, order)
    buyer = dbsession.get(User, order.user_id)
    send_email(request, "order_confirmed", buyer.email, order=order, user=buyer,
               lines=_lines(request, order))
    return "paid"


def _lines(request, order):
    from ..models import Event, Offer

    return request.dbsession.execute(
        select(OrderLine, Event, Offer).join(Event, Event.id == OrderLine.event_id)
        .join(Offer, Offer.id == OrderLine.offer_id).where(OrderLine.order_id == order.id)).all()


def _retake_expired(request, order):
    """The hold lapsed (seats given back) but the payment came: take them again if free."""
    dbsession = request.dbsession
    if dbsession.scalar(select(Order.state).where(Order.id == order.id)) != OrderState.EXPIRED:
        return False
    taken = []
    for line in dbsession.scalars(select(OrderLine).where(OrderLine.order_id == order.id)):
        if not booking.take_seats(dbsession, line.event_id, line.seats):
            for event_id, seats in taken:
                booking.give_back_seats(dbsession, event_id, seats)
            return False
        taken.append((line.event_id, line.seats))
    return True


def _give_back(request, order):
    for line in order.lines:
        booking.give_back_seats(request.dbsession, line.event_id, line.seats)


def refund_payment(request, payment, payment_id=None, amount_cents=None, key_suffix="all"):
    """Refund at the provider (idempotent key) and record it on ``payment``."""
    payment_id = payment_id or payment.provider_payment_id
    refund = gateway(request).refund(payment_id, amount_cents,
                                     idempotency_key=f"olympix-refund-{payment.checkout_id}-{key_suffix}")
    request.dbsession.execute(
        update(Payment).where(Payment.id == payment.id)
        .values(refunded_cents=Payment.refunded_cents + refund.amount,
                status="refunded" if amount_cents is None else Payment.status,
                updated_at=now(request))
        .execution_options(synchronize_session=False))
    request.dbsession.expire(payment)
    # Automatic refunds (a late or mismatched payment) have no staff actor:
    # the entry then names nobody, which is itself the information.
    audit.record(request, "payment.refund", "order", payment.order_id, amount_cents=refund.amount,
                 checkout=payment.checkout_id, reason=key_suffix)
    return refund


def reconcile(request, payment):
    """Ask the provider about a session we have not heard of (lost notification)."""
    try:
        state = gateway(request).get_checkout(payment.checkout_id)
    except PaymentProviderError:
        log.warning("cannot reach the provider about %s", payment.checkout_id, exc_info=True)
        return None
    return apply_outcome(request, payment, state)


def cancel_order(request, order, actor, reason="cancelled by staff"):
    """Staff cancel: refund what was paid, deactivate tickets, give seats back.

    Returns False if the order was not paid or held (already cancelled…).
    """
    dbsession = request.dbsession
    current = now(request)
    was = order.state
    moved = dbsession.execute(
        update(Order).where(Order.id == order.id, Order.state.in_((OrderState.PAID, OrderState.HELD)))
        .values(state=OrderState.CANCELLED, cancelled_at=current)
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        return False
    seats_back = {}
    if was == OrderState.HELD:
        for line in order.lines:
            seats_back[line.event_id] = seats_back.get(line.event_id, 0) + line.seats
    else:
        for ticket in tickets.tickets_of_order(request, order.id):
            if tickets.deactivate(request, ticket.id, reason, actor_id=actor.id):
                seats_back[ticket.event_id] = seats_back.get(ticket.event_id, 0) + 1
        for payment in order.payments:
            if payment.status == "paid" and payment.amount_cents > payment.refunded_cents:
                refund_payment(request, payment, amount_cents=None)
    for event_id, seats in seats_back.items():
        booking.give_back_seats(dbsession, event_id, seats)
    dbsession.expire(order)
    return True


def cancel_ticket(request, ticket, actor, reason="cancelled by staff"):
    """Deactivate one ticket, give its seat back and refund its share of the line."""
    dbsession = request.dbsession
    if not tickets.deactivate(request, ticket.id, reason, actor_id=actor.id):
        return False
    booking.give_back_seats(dbsession, ticket.event_id, 1)
    line = dbsession.get(OrderLine, ticket.order_line_id) if ticket.order_line_id else None
    payment = dbsession.scalar(select(Payment).where(Payment.order_id == ticket.order_id,
                                                     Payment.status == "paid"))
    if line is not None and payment is not None:
        share = line.unit_price_cents // max(1, line.seats // line.quantity)
        share = min(share, payment.amount_cents - payment.refunded_cents)
        if share > 0:
            refund_payment(request, payment, amount_cents=share, key_suffix=f"ticket-{ticket.id}")
    live = dbsession.scalar(select(Ticket.id).where(Ticket.order_id == ticket.order_id,
                                                    Ticket.state.in_(tickets.LIVE_STATES)).limit(1))
    if live is None:  # last ticket gone: the order is cancelled too
        dbsession.execute(update(Order).where(Order.id == ticket.order_id, Order.state == OrderState.PAID)
                          .values(state=OrderState.CANCELLED, cancelled_at=now(request))
                          .execution_options(synchronize_session=False))
    return True

