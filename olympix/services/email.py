"""E-mail: one message = templates/email/<name>/{subject.txt,body.txt,body.html}.

Rendered in the recipient's language; sent by pyramid_mailer's
transactional mailer, so an aborted request sends nothing.
"""
import logging

from pyramid.renderers import render
from pyramid_mailer.mailer import Mailer
from pyramid_mailer.message import Message
from zope.interface import implementer

from .interfaces import IEmailSender
from .transactions import after_commit

log = logging.getLogger(__name__)


@implementer(IEmailSender)
class SMTPEmailSender:
    def __init__(self, mailer):
        self.mailer = mailer

    @classmethod
    def from_settings(cls, settings):
        return cls(Mailer.from_settings(settings))

    def send(self, request, message):
        # Joins the request's transaction: delivered after commit only.
        self.mailer.bind(transaction_manager=request.tm).send(message)


@implementer(IEmailSender)
class ConsoleEmailSender:
    """Prints messages after commit; for a machine without any SMTP server."""

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def send(self, request, message):
        after_commit(request, lambda: log.warning(
            "e-mail to %s: %s\n%s", message.recipients, message.subject, message.body))


def send_email(request, name, recipient, locale=None, **values):
    """Render the message ``name`` for ``recipient`` and queue it."""
    values.setdefault("base_url", request.registry.settings["olympix.base_url"])
    parts = {}
    for part in ("subject.txt", "body.txt", "body.html"):
        parts[part] = render(f"olympix:templates/email/{name}/{part}.jinja2", values, request=request)
    message = Message(
        subject=" ".join(parts["subject.txt"].split()),
        sender=request.registry.settings["mail.default_sender"],
        recipients=[recipient],
        body=parts["body.txt"],
        html=parts["body.html"],
    )
    request.find_service(IEmailSender).send(request, message)
    return message
