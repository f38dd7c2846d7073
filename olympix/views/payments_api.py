"""``POST /api/payments/notify``: the payment provider's notifications."""
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from ..resources.payments import PaymentsApi
from ..services import payments
from ..services.payments import Outcome

#: The provider reads these when it logs a refused delivery.
ERRORS = {Outcome.INVALID: "invalid signature", Outcome.MALFORMED: "unexpected notification"}


@view_config(context=PaymentsApi, name="notify", request_method="POST", require_csrf=False,
             permission=NO_PERMISSION_REQUIRED, renderer="json")
def payment_notification(context, request):
    """Signed by the provider (HMAC of the raw body): that is the authentication."""
    outcome = payments.notified(request, request.body, request.headers)
    if outcome in ERRORS:
        request.response.status_int = 400
        return {"error": ERRORS[outcome]}
    return {"received": True, "result": str(outcome)}
