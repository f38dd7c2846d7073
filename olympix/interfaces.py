"""Interfaces of the outside world; each has a real class and a fake.

They sit below every layer (docs/architecture.md): resources, services,
the gate and the views all find their services by these names.
"""
from zope.interface import Attribute, Interface


class IClock(Interface):
    def now():
        """The current time, an aware UTC datetime."""


class IEmailSender(Interface):
    def send(request, message):
        """Send a pyramid_mailer Message once request.tm commits."""


class ISMSSender(Interface):
    def send(request, phone, text):
        """Send a text message once request.tm commits."""


class IPaymentGateway(Interface):
    """A hosted-checkout card payment provider."""

    name = Attribute("The provider's name, stored on each payment (``Payment.provider``).")
    signature_header = Attribute("The HTTP header its notifications carry their signature in.")

    def create_checkout(reference, amount_cents, currency, description, success_url,
                        cancel_url, notify_url, idempotency_key, locale="en"):
        """Open a checkout session; returns ``Checkout(id, url)``.

        ``locale`` ("fr", "en") is the buyer's language: the hosted page speaks it.

        The same ``idempotency_key`` returns the same session (safe to retry).
        """

    def get_checkout(checkout_id):
        """Current ``CheckoutState`` of a session (the source of truth)."""

    def refund(payment_id, amount_cents, idempotency_key):
        """Refund ``amount_cents`` (None: all that is left); returns ``Refund``."""

    def verify_notification(body, signature_header, now=None):
        """Check a notification's signature; returns the event dict.

        Raises ``InvalidSignature`` when the signature is wrong, malformed or
        older than the tolerance (5 minutes).
        """

    def verify_return(params, now=None):
        """Check a signed return redirect; returns ``(session_id, status)``.

        Raises ``InvalidSignature``.
        """


class IBarcodeService(Interface):
    """Draws a ticket code: Code128 for laser guns, QR for phones and imagers."""

    def code128_svg(text, module_mm=None):
        """Inline-safe SVG Code128, sized in mm for print."""

    def qr_svg(text, module_mm=None):
        """Inline-safe SVG QR code; each module ``module_mm`` mm."""

    def code128_png(text, dpi=300, module_mm=None):
        """PNG Code128 at ``dpi``, bars on whole pixels."""

    def qr_png(text, scale=8):
        """PNG QR code, ``scale`` pixels per module."""


#: Where a registry keeps the shared services once found (``shared_service``).
_SHARED = "olympix.shared_services"


def shared_service(request, iface):
    """The application's one instance of ``iface``, found once per registry, not once per request.

    Only for a service registered as one instance (``register_service``:
    the clock, the gate's scan settings), never for a per-request factory.
    pyramid_services builds a container for each request at its first
    ``find_service``: a millisecond a scan at the gate, 7% of a search
    page's CPU (issue 11.4, bench/README.md). The registry keeps them, so
    each application (each test's) has its own.
    """
    kept = request.registry.setdefault(_SHARED, {})
    found = kept.get(iface)
    if found is None:
        found = kept[iface] = request.find_service(iface)
    return found
