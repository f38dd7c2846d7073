"""``/api/payments``: where the payment provider's messages arrive."""
from .api import ApiFolder
from .base import Container


@ApiFolder.child("payments")
class PaymentsApi(Container):
    """``POST /api/payments/notify``: signed by the provider, so no session and no CSRF token."""
