"""sandboxpay: a sandbox hosted-checkout card payment provider.

A small, separate WSGI application that behaves like a real hosted-checkout
provider (sessions, hosted card page, signed notifications and return
redirects, refunds) so olympix can be developed and tested end to end
without ever touching a card number.  See README.md for the test cards.
"""

from sandboxpay.app import make_app

__all__ = ["make_app"]
