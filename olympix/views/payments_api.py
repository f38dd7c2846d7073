"""``POST /api/payments/notify``: the payment provider's notifications."""
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from ..resources.payments import PaymentsApi
from ..services import payments
from ..services.payments import Outcome

#: The provider reads these when it logs a refused delivery.
ERRORS = {Outcome.INVALID: "invalid signature", Outcome.MALFORMED: "unexpected notification"}
RETRY_AFTER = 60  # seconds


@view_config(context=PaymentsApi, name="notify", request_method="POST", require_csrf=False,
             permission=NO_PERMISSION_REQUIRED, renderer="json")
def payment_notification(context, request):
    """Signed by the provider (HMAC of the raw body): that is the authentication."""
    outcome = payments.notified(request, request.body, request.headers)
    if outcome == Outcome.REFUND_PENDING:
        # The payment is recorded and its refund is a pending row (committed
        # with this answer); a non-2xx makes the provider deliver again,
        # which retries the refund, as does olympix reconcile-payments.
        request.response.status_int = 503
        request.response.headers["Retry-After"] = str(RETRY_AFTER)
        return {"error": "unavailable", "result": str(outcome)}
    if outcome in ERRORS:
        request.response.status_int = 400
        return {"error": ERRORS[outcome]}
    return {"received": True, "result": str(outcome)}
