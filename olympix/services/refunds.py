"""Money back to the buyer: a refund row first, then the provider, retried until it takes it.

- ``refund_now``: a person is waiting for the answer (staff cancel): the
  provider's failure is raised (PaymentProviderError) and the caller's
  savepoint rolls the row back with everything else: nothing half done.
- ``refund_or_retry``: nobody can be asked to try again (a payment that
  arrived after its seats were sold): the row stays ``pending`` when the
  provider does not answer, and ``retry_pending`` (``olympix
  reconcile-payments``, or the provider's next delivery of the
  notification) tries again with the same idempotency key, so the provider
  refunds once however many times it is asked.

A refund that succeeds moves by a conditional UPDATE (pending →
succeeded); only the caller that moved it adds its amount to the payment,
writes the audit entry and e-mails the buyer.
"""
import logging

from sqlalchemy import func, select, update

from ..interfaces import IPaymentGateway
from ..models import Order, Payment, PaymentStatus, Refund, RefundStatus
from . import audit
from .clock import now
from .email import send_email
from .payment_gateway import PaymentProviderError

log = logging.getLogger(__name__)


def _row(request, payment, amount_cents, key_suffix, reason):
    """The refund of ``payment`` with this key: the one already asked for, or a new pending row."""
    dbsession = request.dbsession
    key = f"olympix-refund-{payment.checkout_id}-{key_suffix}"
    row = dbsession.scalar(select(Refund).where(Refund.idempotency_key == key))
    if row is not None:
        return row
    current = now(request)
    left = payment.amount_cents - payment.refunded_cents
    row = Refund(payment_id=payment.id, order_id=payment.order_id, reason=reason, idempotency_key=key,
                 amount_cents=left if amount_cents is None else amount_cents, whole=amount_cents is None,
                 status=RefundStatus.PENDING, attempts=0, created_at=current, updated_at=current)
    dbsession.add(row)
    dbsession.flush()
    return row


def _attempt(request, row, payment_id=None):
    """Ask the provider once; True when this call completed the row. Raises PaymentProviderError."""
    dbsession = request.dbsession
    payment = dbsession.get(Payment, row.payment_id)
    current = now(request)
    dbsession.execute(update(Refund).where(Refund.id == row.id)
                      .values(attempts=Refund.attempts + 1, updated_at=current)
                      .execution_options(synchronize_session=False))
    try:
        refund = request.find_service(IPaymentGateway).refund(
            payment_id or payment.provider_payment_id, None if row.whole else row.amount_cents,
            idempotency_key=row.idempotency_key)
    except PaymentProviderError as exc:
        dbsession.execute(update(Refund).where(Refund.id == row.id)
                          .values(last_error=str(exc)[:200]).execution_options(synchronize_session=False))
        dbsession.expire(row)
        raise
    moved = dbsession.execute(
        update(Refund).where(Refund.id == row.id, Refund.status == RefundStatus.PENDING)
        .values(status=RefundStatus.SUCCEEDED, amount_cents=refund.amount, provider_refund_id=refund.id,
                succeeded_at=current, last_error=None)
        .execution_options(synchronize_session=False)).rowcount
    dbsession.expire(row)
    if not moved:
        return False
    left = payment.amount_cents - payment.refunded_cents - refund.amount
    dbsession.execute(
        update(Payment).where(Payment.id == payment.id)
        .values(refunded_cents=Payment.refunded_cents + refund.amount,
                status=PaymentStatus.REFUNDED if left <= 0 else Payment.status, updated_at=current)
        .execution_options(synchronize_session=False))
    dbsession.expire(payment)
    # Automatic refunds (a late or mismatched payment) have no staff actor:
    # the entry then names nobody, which is itself the information.
    audit.record(request, "payment.refund", "order", payment.order_id, amount_cents=refund.amount,
                 checkout=payment.checkout_id, reason=row.reason)
    order = dbsession.get(Order, row.order_id)
    send_email(request, "payment_refunded", order.buyer.email, order=order, user=order.buyer,
               refund=row, payment=payment)
    return True


def refund_now(request, payment, *, reason, amount_cents=None, key_suffix="all", payment_id=None):
    """Refund ``amount_cents`` (None: all that is left) at once; raises PaymentProviderError."""
    row = _row(request, payment, amount_cents, key_suffix, reason)
    if row.status == RefundStatus.PENDING:
        _attempt(request, row, payment_id)
    return row


def refund_or_retry(request, payment, *, reason, payment_id=None, key_suffix="all", amount_cents=None):
    """Refund ``amount_cents`` (None: all that is left); the row stays pending (retried later) if the provider fails."""
    row = _row(request, payment, amount_cents, key_suffix, reason)
    if row.status == RefundStatus.PENDING:
        try:
            _attempt(request, row, payment_id)
        except PaymentProviderError:
            log.warning("refund %s of %s not taken yet; retried later", row.idempotency_key,
                        payment.checkout_id, exc_info=True)
    return row


def pending_of(request, payment):
    return request.dbsession.scalars(select(Refund).where(
        Refund.payment_id == payment.id, Refund.status == RefundStatus.PENDING).order_by(Refund.id)).all()


def retry(request, rows):
    """Try each pending row once more; returns how many succeeded now."""
    done = 0
    for row in rows:
        try:
            done += _attempt(request, row)
        except PaymentProviderError:
            log.warning("refund %s still not taken", row.idempotency_key, exc_info=True)
    return done


def retry_pending(request, limit=1000):
    """Every pending refund, oldest first (bounded): the job's second half."""
    rows = request.dbsession.scalars(select(Refund).where(Refund.status == RefundStatus.PENDING)
                                     .order_by(Refund.id).limit(limit)).all()
    return retry(request, rows)


def refunds_of_order(request, order_id):
    return request.dbsession.scalars(select(Refund).where(Refund.order_id == order_id)
                                     .order_by(Refund.id)).all()


def pending_count(request):
    return request.dbsession.scalar(select(func.count(Refund.id)).where(Refund.status == RefundStatus.PENDING))
