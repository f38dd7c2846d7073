"""Paying an order: one entry per message of the provider, completion exactly once.

Each message the provider sends, or question we ask it, has one entry here
and comes back as an outcome the view only turns into a page, a flash or a
JSON answer:

- ``start_checkout``: the buyer presses Pay (a hosted page, or why not);
- ``returned``: the buyer comes back with a signed redirect (a ``Returned``);
- ``notified``: the provider's signed notification (an ``Outcome``);
- ``check``: the buyer asks again from the order page (``?check=1``);
- ``reconcile``: we ask about one session (a lost notification); the
  lapsed holds and the periodic job that ask are ``services/reconciliation.py``.

A payment taken after its seats were sold is refunded in full
(``services/refunds.py``); when the provider does not take the refund, the
refund stays a pending row, retried until it does.

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
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..interfaces import IPaymentGateway
from ..models import Order, OrderLine, OrderState, Payment, PaymentStatus, RefundReason, RefundStatus
from ..models.orders import UNPAID_STATUSES
from . import booking, refunds, resale, tickets
from .clock import now
from .email import send_email
from .payment_gateway import CheckoutState, InvalidSignature, PaymentProviderError

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What one message from the provider (or one question to it) did."""

    PAID = "paid"  # this message completed the order: tickets minted, e-mail queued
    REFUNDED = "refunded"  # paid too late, for another amount or order: refunded in full
    REFUND_PENDING = "refund pending"  # as REFUNDED, but the provider has not taken the refund yet
    FAILED = "failed"  # declined, cancelled or expired at the provider: recorded
    OPEN = "open"  # the buyer has not finished on the provider's page
    DUPLICATE = "duplicate"  # already recorded: nothing left to do
    UNKNOWN = "unknown"  # no payment of ours has this session
    UNREACHABLE = "unreachable"  # the provider did not answer our call
    INVALID = "invalid"  # not signed by the provider, or too old
    MALFORMED = "malformed"  # signed, but not about a checkout session
    CLOSED = "closed"  # the order can no longer be paid (hold lapsed, paid or cancelled)


class Verdict(StrEnum):
    """What the buyer coming back from the provider's page is told."""

    CONFIRMED = "confirmed"  # the order is paid
    PENDING = "pending"  # not known yet: the notification or a check completes it
    REFUNDED = "refunded"  # paid after the seats were gone: refunded in full
    CANCELLED = "cancelled"  # cancelled on the provider's page; the seats stay held
    DECLINED = "declined"  # the card did not go through; the seats stay held
    CLOSED = "closed"  # the payment failed and the hold is over: nothing to retry
    INVALID = "invalid"  # the redirect is not signed by the provider
    STALE = "stale"  # signed by the provider, but too long ago (a reload): nothing to record
    UNKNOWN = "unknown"  # not a session of this order


@dataclass(frozen=True)
class Started:
    """The answer to "Pay": ``url`` of the provider's page when ``outcome`` is OPEN."""

    outcome: Outcome
    url: str | None = None


@dataclass(frozen=True)
class Returned:
    verdict: Verdict
    held_until: datetime | None = None
    failure_reason: str | None = None  # the provider's code ("card_declined"…)


def gateway(request):
    return request.find_service(IPaymentGateway)


def open_payment(order):
    return next((p for p in reversed(order.payments) if p.status == PaymentStatus.OPEN), None)


def find_payment(request, checkout_id):
    return request.dbsession.scalar(select(Payment).where(Payment.checkout_id == str(checkout_id)))


# -- the buyer presses Pay -------------------------------------------------------------

def start_checkout(request, order, names, *, return_url, notify_url):
    """Save the attendees' ``names`` and open (or reuse) the provider's hosted page.

    Nothing is written when the order can no longer be paid or when the
    provider does not answer: the buyer gets the form back, the seats stay
    held and no payment row exists without a session behind it.
    """
    booking.refresh(request, order)
    # A lapsed hold still held is one whose session the provider has not
    # been asked about yet (services/reconciliation.py): not payable again.
    if order.state != OrderState.HELD or order.held_until <= now(request):
        return Started(Outcome.CLOSED)
    payment = open_payment(order)
    if payment is not None and payment.checkout_url:
        url = payment.checkout_url
    else:
        try:
            url = _new_session(request, order, return_url, notify_url)
        except PaymentProviderError:
            log.warning("cannot open a checkout session for %s", order.reference, exc_info=True)
            return Started(Outcome.UNREACHABLE)
    booking.set_attendees(request, order, names)
    return Started(Outcome.OPEN, url)


def _new_session(request, order, return_url, notify_url):
    provider = gateway(request)
    event = order.lines[0].event
    attempt = len(order.payments) + 1
    checkout = provider.create_checkout(
        reference=order.reference, amount_cents=order.total_cents, currency=order.currency,
        description=f"olympix {order.reference} — {event.title(request.locale_name)}"[:200],
        success_url=return_url, cancel_url=return_url, notify_url=notify_url,
        idempotency_key=f"olympix-order-{order.reference}-{attempt}", locale=request.locale_name)
    current = now(request)
    request.dbsession.add(Payment(
        order_id=order.id, provider=provider.name, checkout_id=checkout.id, status=PaymentStatus.OPEN,
        amount_cents=order.total_cents, refunded_cents=0, checkout_url=checkout.url,
        created_at=current, updated_at=current))
    request.dbsession.flush()
    return checkout.url


# -- the provider's messages ---------------------------------------------------------------

def returned(request, order, params):
    """The buyer is back from the provider's page with signed ``params``.

    The provider's API is the source of truth; when it does not answer, the
    signed redirect's own word is taken for a failure (the buyer may retry
    at once), never for a success (that waits for the notification or a
    check, which say what was paid).
    """
    provider = gateway(request)
    try:
        session_id, status = provider.verify_return(params)
    except InvalidSignature:
        return Returned(Verdict.STALE if _signed_long_ago(provider, params) else Verdict.INVALID)
    payment = find_payment(request, session_id)
    if payment is None or payment.order_id != order.id:
        return Returned(Verdict.UNKNOWN)
    try:
        state = provider.get_checkout(session_id)
    except PaymentProviderError:
        log.warning("cannot reach the provider about %s", session_id, exc_info=True)
        state = None if status == PaymentStatus.PAID else CheckoutState(status=status,
                                                                       amount=payment.amount_cents)
    # A payment already paid or refunded in this request's snapshot has
    # nothing left to record (``_apply`` would change no row).
    if state is not None and payment.status in UNPAID_STATUSES:
        if _apply(request, payment, state) == Outcome.DUPLICATE:
            # Recorded meanwhile by another request (the notification), after
            # this one read them: the rows it holds still show the order held.
            # Read what is committed now (a locking read: it also waits for
            # a notification still in flight).
            request.dbsession.refresh(payment, with_for_update={"read": True})
            request.dbsession.refresh(order, with_for_update={"read": True})
    booking.refresh(request, order)
    if order.state == OrderState.PAID:
        return Returned(Verdict.CONFIRMED)
    if state is None or state.status == PaymentStatus.OPEN:
        return Returned(Verdict.PENDING)
    if payment.status == PaymentStatus.REFUNDED:
        return Returned(Verdict.REFUNDED)
    if order.state != OrderState.HELD:
        return Returned(Verdict.CLOSED)
    if state.status == PaymentStatus.CANCELED:
        return Returned(Verdict.CANCELLED, order.held_until)
    return Returned(Verdict.DECLINED, order.held_until, state.failure_reason)


def _signed_long_ago(provider, params):
    """The provider did sign this return, only too long ago to be taken (the buyer reloads its page)."""
    signed_at = params.get("t", "")
    if not (isinstance(signed_at, str) and signed_at.isdigit() and len(signed_at) <= 12):
        return False
    try:
        provider.verify_return(params, now=int(signed_at))
    except InvalidSignature:
        return False
    return True


def notified(request, body, headers):
    """The provider's notification (raw ``body``, request ``headers``): its signature is its authentication."""
    provider = gateway(request)
    try:
        event = provider.verify_notification(body, headers.get(provider.signature_header))
    except InvalidSignature:
        return Outcome.INVALID
    try:
        state = CheckoutState.from_json(event["data"])
    except (KeyError, TypeError, ValueError):
        return Outcome.MALFORMED
    payment = find_payment(request, state.id)
    if payment is None:
        return Outcome.UNKNOWN
    outcome = _apply(request, payment, state)
    if outcome == Outcome.DUPLICATE and refunds.pending_of(request, payment):
        # The provider delivers again because we answered that a refund was
        # pending: try it again now, and keep it delivering until it is taken.
        refunds.retry(request, refunds.pending_of(request, payment))
        if refunds.pending_of(request, payment):
            return Outcome.REFUND_PENDING
    return outcome


def reconcile(request, payment):
    """Ask the provider about a session we have not heard of (a lost notification)."""
    try:
        state = gateway(request).get_checkout(payment.checkout_id)
    except PaymentProviderError:
        log.warning("cannot reach the provider about %s", payment.checkout_id, exc_info=True)
        return Outcome.UNREACHABLE
    return _apply(request, payment, state)


def check(request, order):
    """The buyer asks again (``?check=1``): None when there is nothing to ask about."""
    payment = open_payment(order) if order.state == OrderState.HELD else None
    if payment is None:
        return None
    outcome = reconcile(request, payment)
    request.dbsession.refresh(order)
    return outcome


# -- completion, exactly once ------------------------------------------------------------

def _apply(request, payment, state):
    """Record what the provider says (``state``, verified) about ``payment``'s session."""
    dbsession = request.dbsession
    current = now(request)
    if state.status != PaymentStatus.PAID:
        if state.status == PaymentStatus.OPEN:
            return Outcome.OPEN
        dbsession.execute(
            update(Payment).where(Payment.id == payment.id, Payment.status == PaymentStatus.OPEN)
            .values(status=state.status, failure_reason=state.failure_reason,
                    brand=state.brand, last4=state.last4, updated_at=current)
            .execution_options(synchronize_session=False))
        dbsession.expire(payment)
        return Outcome.FAILED
    payment_id, order_id, amount = payment.id, payment.order_id, payment.amount_cents
    moved = dbsession.execute(
        update(Payment).where(Payment.id == payment_id, Payment.status.in_(UNPAID_STATUSES))
        .values(status=PaymentStatus.PAID, provider_payment_id=state.payment_id, brand=state.brand,
                last4=(state.last4 or "")[-4:] or None, failure_reason=None, updated_at=current)
        .execution_options(synchronize_session=False)).rowcount
    dbsession.expire(payment)
    if not moved:
        return Outcome.DUPLICATE
    order = dbsession.get(Order, order_id)
    # Never mint for a different amount, currency or order than the one asked.
    if (state.amount != amount or state.currency != order.currency
            or (state.reference is not None and state.reference != order.reference)):
        log.error("payment %s: %s %s for %s differs from %s %s for %s", payment.checkout_id,
                  state.amount, state.currency, state.reference, payment.amount_cents, order.currency,
                  order.reference)
        return _refunded(request, payment, state, RefundReason.MISMATCH)
    paid = _mark_paid(request, order, OrderState.HELD)
    if not paid and _retake_expired(request, order):
        paid = _mark_paid(request, order, OrderState.EXPIRED)
        if not paid:  # pragma: no cover - the order moved under us; undo the retake
            _give_back(request, order)
    if not paid:
        dbsession.expire(order)
        # Hold expired and the seats went to someone else, or the order was
        # already paid by another session, or cancelled: refund this payment.
        outcome = _refunded(request, payment, state, RefundReason.LATE)
        dbsession.execute(update(Order).where(Order.id == order.id, Order.state == OrderState.EXPIRED)
                          .values(state=OrderState.CANCELLED, cancelled_at=current)
                          .execution_options(synchronize_session=False))
        dbsession.expire(order)
        return outcome
    if resale.is_resale(order):
        if not resale.complete(request, order):
            # The seller's ticket was used or cancelled while the buyer paid.
            outcome = _refunded(request, payment, state, RefundReason.LATE)
            dbsession.execute(update(Order).where(Order.id == order.id, Order.state == OrderState.PAID)
                              .values(state=OrderState.CANCELLED, cancelled_at=current)
                              .execution_options(synchronize_session=False))
            dbsession.expire(order)
            return outcome
    else:
        tickets.mint(request, order)
    # Say when the tickets can be seen: already, or from the soonest session's delay.
    visible_from = min(tickets.visible_from(request, line.event) for line in order.lines)
    send_email(request, "order_confirmed", order.buyer.email, order=order, user=order.buyer,
               visible_from=visible_from, visible_now=now(request) >= visible_from)
    return Outcome.PAID


def _refunded(request, payment, state, reason):
    row = refunds.refund_or_retry(request, payment, reason=reason, payment_id=state.payment_id)
    return Outcome.REFUNDED if row.status == RefundStatus.SUCCEEDED else Outcome.REFUND_PENDING


def _mark_paid(request, order, from_state):
    paid_at = now(request)
    moved = request.dbsession.execute(
        update(Order).where(Order.id == order.id, Order.state == from_state)
        .values(state=OrderState.PAID, paid_at=paid_at)
        .execution_options(synchronize_session=False)).rowcount
    if moved:
        # The row's state is what this UPDATE made it: not read again. Its
        # paid_at is read if wanted (the column keeps whole seconds).
        set_committed_value(order, "state", OrderState.PAID)
        request.dbsession.expire(order, ["paid_at"])
    return moved


def _retake_expired(request, order):
    """The hold lapsed (seats given back) but the payment came: take them again if free."""
    dbsession = request.dbsession
    if dbsession.scalar(select(Order.state).where(Order.id == order.id)) != OrderState.EXPIRED:
        return False
    if resale.is_resale(order):
        return resale.retake(request, order)
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
        if line.resale_listing_id is None:
            booking.give_back_seats(request.dbsession, line.event_id, line.seats)
