"""Interfaces of the outside world; each has a real class and a fake."""
from zope.interface import Interface


class IClock(Interface):
    def now():
        """The current time, an aware UTC datetime."""


class IEmailSender(Interface):
    def send(request, message):
        """Send a pyramid_mailer Message once request.tm commits."""


class ISMSSender(Interface):
    def send(request, phone, text):
        """Send a text message once request.tm commits."""
