"""E-mail: one message = templates/email/<name>/{subject.txt,body.txt,body.html}.

Rendered in the person's language; sent by pyramid_mailer after the
request's transaction commits, so an aborted request sends nothing, and an
SMTP failure is logged without undoing what was committed.
"""
import logging
import re
import smtplib

from pyramid.renderers import render
from pyramid.settings import asbool
from repoze.sendmail.encoding import encode_message
from pyramid_mailer.message import Attachment, Message
from zope.interface import implementer

from ..interfaces import IEmailSender
from .transactions import after_commit

log = logging.getLogger(__name__)


def mime_bytes(message):
    """The message as SMTP sends it: MIME bytes with CRLF line ends."""
    return re.sub(rb"\r?\n", b"\r\n", encode_message(message.to_message()))


@implementer(IEmailSender)
class SMTPEmailSender:
    """Delivers over SMTP once the request's transaction has committed.

    smtplib is used directly, with CRLF line ends: repoze.sendmail hands
    smtplib bytes with bare LF, which strict servers (aiosmtpd among them)
    refuse as one over-long line. Headers are encoded by repoze.sendmail.
    """

    def __init__(self, host, port, username=None, password=None, starttls=False, timeout=10):
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.starttls, self.timeout = starttls, timeout

    @classmethod
    def from_settings(cls, settings):
        return cls(settings.get("mail.host", "localhost"), int(settings.get("mail.port", 25)),
                   settings.get("mail.username") or None, settings.get("mail.password") or None,
                   asbool(settings.get("mail.tls", False)))

    def deliver(self, message):
        self.deliver_raw(message.sender, message.send_to, mime_bytes(message))

    def deliver_raw(self, sender, recipients, data):
        """Send MIME bytes already encoded (with CRLF line ends): what the mail queue holds."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.sendmail(sender, recipients, data)

    def send(self, request, message):
        after_commit(request, lambda: self.deliver(message))


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
        # quoted-printable keeps every line short, as SMTP requires.
        body=Attachment(data=parts["body.txt"], content_type="text/plain; charset=utf-8",
                        transfer_encoding="quoted-printable", disposition="inline"),
        html=Attachment(data=parts["body.html"], content_type="text/html; charset=utf-8",
                        transfer_encoding="quoted-printable", disposition="inline"),
    )
    request.find_service(IEmailSender).send(request, message)
    return message
