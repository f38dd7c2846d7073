"""Ask the provider before a hold's seats go back, and afterwards: no payment forgotten.

The provider's notification can be lost and the buyer may never come back
(a closed tab, a return answered 500). So:

- a lapsed hold whose checkout session is still open on our side is never
  expired without asking the provider first, whoever sees it: the buyer's
  pages and the back office (``refresh``, ``orders_of``), ``olympix
  sweep-holds`` (``sweep_lapsed_holds``). Another buyer short of seats
  does not wait on the provider: ``booking.release_expired`` passes such
  holds by, and the sweep (every minute) asks about them.
- ``olympix reconcile-payments`` (``reconcile_open``) asks about every
  session still open, whatever its order became since, up to a maximum age,
  then retries every refund the provider has not taken yet.

What the provider says goes through ``payments.reconcile`` (the same entry
as a notification): paid completes the order, or refunds it when its seats
are gone; failed or expired is recorded and the hold can then lapse.
"""
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import select

from ..models import Order, OrderState, Payment, PaymentStatus
from . import booking, payments, refunds, waiting_list
from .clock import now
from .payments import Outcome

#: A run asks about this many sessions at most (the next run goes on).
BATCH = 1000


class Swept(NamedTuple):
    completed: int  # late payments that completed their order
    released: int  # lapsed holds whose seats went back on sale


class Reconciled(NamedTuple):
    asked: int  # open sessions the provider was asked about
    completed: int  # of which paid in time: the order is complete
    refunded: int  # refunds the provider took during this run
    pending: int  # refunds still waiting for the provider after this run


def _lapsed(request, order):
    return order.state == OrderState.HELD and order.held_until <= now(request)


def _ask_then_expire(request, order_id, payment):
    """Ask about ``payment`` (the open session of a lapsed hold); expire the hold unless it paid.

    When the provider does not answer the hold stays as it is: the next
    look (or the sweep) asks again. Returns the outcome of the question.
    """
    outcome = payments.reconcile(request, payment)
    if outcome not in (Outcome.UNREACHABLE, Outcome.PAID):
        booking.expire_order(request, order_id, provider_asked=True)
    return outcome


def refresh(request, order):
    """``booking.refresh``, asking the provider first about a lapsed hold's open session."""
    if not _lapsed(request, order):
        return order
    payment = payments.open_payment(order)
    if payment is not None:
        _ask_then_expire(request, order.id, payment)
        request.dbsession.refresh(order)
    # Expiring it gives its seats to the waiting list first (booking.expire_order's SeatsCameBack).
    booking.refresh(request, order)
    return order


def orders_of(request, user_id):
    """The person's orders, newest first, each brought up to date (asking the provider when it must)."""
    return [refresh(request, order) for order in booking.orders_of(request, user_id)]


def sweep_lapsed_holds(request):
    """Ask about the open sessions of lapsed holds, then give the seats of the rest back."""
    current = now(request)
    lapsed = request.dbsession.execute(
        select(Order.id, Payment).join(Payment, Payment.order_id == Order.id)
        .where(Order.state == OrderState.HELD, Order.held_until <= current,
               Payment.status == PaymentStatus.OPEN).order_by(Order.id).limit(BATCH)).all()
    completed = released = 0
    for order_id, payment in lapsed:
        outcome = _ask_then_expire(request, order_id, payment)
        completed += outcome == Outcome.PAID
        released += request.dbsession.scalar(select(Order.state).where(Order.id == order_id)) == \
            OrderState.EXPIRED
    swept = Swept(completed, released + booking.release_expired(request, limit=100000))
    waiting_list.offer_everywhere(request)  # seats that came back go to the waiting lists first
    return swept


def reconcile_open(request, max_age_hours):
    """Ask about every session still open, opened up to ``max_age_hours`` ago; retry pending refunds."""
    since = now(request) - timedelta(hours=max_age_hours)
    open_payments = request.dbsession.scalars(
        select(Payment).where(Payment.status == PaymentStatus.OPEN, Payment.created_at >= since)
        .order_by(Payment.id).limit(BATCH)).all()
    outcomes = [payments.reconcile(request, payment) for payment in open_payments]
    retried = refunds.retry_pending(request, limit=BATCH)
    pending = refunds.pending_count(request)
    return Reconciled(len(open_payments), outcomes.count(Outcome.PAID),
                      outcomes.count(Outcome.REFUNDED) + retried, pending)
