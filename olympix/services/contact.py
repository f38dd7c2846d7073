"""The contact form and its anti-spam; the managers' inbox of messages.

A message is kept, e-mailed to support and acknowledged to the sender,
unless the screening refuses it: a honeypot field, a signed time stamp (a
person takes a few seconds to write, a bot posts at once or replays an old
form) and a rate limit per address and per IP address.
"""
import hashlib
import hmac
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func, select

from ..i18n import _
from ..models.content import ContactMessage, ContactStatus
from .catalogue import Page
from .clock import now
from .content import lang_of
from .email import send_email

CONTACT_SUBJECTS = (
    ("tickets", _("My tickets or an order")),
    ("payment", _("Payment or refund")),
    ("entry", _("Entry on the day")),
    ("accessibility", _("Accessibility")),
    ("account", _("My account")),
    ("other", _("Something else")),
)
SUBJECT_NAMES = dict(CONTACT_SUBJECTS)
CONTACT_LIMIT = 3  # messages per hour, per address and per IP address
CONTACT_WINDOW = timedelta(hours=1)
MIN_FILL_SECONDS = 3  # a person takes longer than this to write a message
MAX_FORM_AGE = timedelta(hours=12)


class Received(StrEnum):
    """What became of a message sent through the form."""

    SENT = "sent"  # stored, e-mailed, acknowledged
    SPAM = "spam"  # the honeypot was filled: kept nowhere, but the bot sees success
    EXPIRED = "expired"  # the form's stamp is forged, malformed or too old
    TOO_FAST = "too-fast"  # sent sooner than a person could write it
    TOO_MANY = "too-many"  # the address or the IP address wrote too often this hour


# --- the form's signed time stamp --------------------------------------------

def _form_key(request):
    secret = request.registry.settings["olympix.session_secret"].encode()
    return hmac.new(secret, b"olympix contact form time", hashlib.sha256).digest()


def form_stamp(request):
    """When the form was shown, signed, so a bot cannot claim it was shown earlier."""
    ts = str(int(now(request).timestamp()))
    mac = hmac.new(_form_key(request), ts.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{ts}.{mac}"


def stamp_age(request, stamp):
    """Seconds since the signed stamp, or None when it is forged or malformed."""
    ts, _dot, mac = (stamp or "").partition(".")
    if not ts.isdigit() or len(ts) > 12:
        return None
    good = hmac.new(_form_key(request), ts.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(good, mac):
        return None
    return now(request).timestamp() - int(ts)


# --- receiving a message -----------------------------------------------------

def client_ip(request):
    """The sender's address through the trusted proxies (security/client_address.py)."""
    return request.client_ip


def over_limit(request, email, ip):
    since = now(request) - CONTACT_WINDOW

    def count(column, value):
        return request.dbsession.scalar(select(func.count(ContactMessage.id)).where(
            column == value, ContactMessage.created_at > since))

    return count(ContactMessage.email, email) >= CONTACT_LIMIT or \
        count(ContactMessage.ip, ip) >= CONTACT_LIMIT


def screen(request, data):
    """Why the message must not go through, or SENT when it may."""
    if data["website"]:
        return Received.SPAM
    age = stamp_age(request, data["started"])
    if age is None or age > MAX_FORM_AGE.total_seconds():
        return Received.EXPIRED
    if age < MIN_FILL_SECONDS:
        return Received.TOO_FAST
    if over_limit(request, data["email"], client_ip(request)):
        return Received.TOO_MANY
    return Received.SENT


def receive(request, data):
    """Screen the message from the form and, when it passes, store and send it."""
    verdict = screen(request, data)
    if verdict == Received.SENT:
        store_contact(request, data)
    return verdict


def store_contact(request, data):
    """Store the message, e-mail it to support and acknowledge it to the sender."""
    message = ContactMessage(subject=data["subject"], message=data["message"], email=data["email"],
                             ip=client_ip(request), locale=lang_of(request),
                             created_at=now(request))
    request.dbsession.add(message)
    request.dbsession.flush()
    subject_name = SUBJECT_NAMES[message.subject]
    settings = request.registry.settings
    to_support = send_email(request, "contact_support", settings["olympix.support_email"],
                            contact=message, subject_name=subject_name)
    # Support answers with "Reply"; the address passed colander.Email (no line breaks).
    to_support.extra_headers["Reply-To"] = message.email
    # The acknowledgement does not repeat the message: anyone can type any
    # address here, and we must not relay their text to a stranger.
    send_email(request, "contact_ack", message.email, contact=message, subject_name=subject_name)
    return message


# --- the inbox ---------------------------------------------------------------

STATUS_NAMES = {
    ContactStatus.NEW: _("New"),
    ContactStatus.HANDLED: _("Handled"),
}
INBOX_PAGE_SIZE = 50


def inbox(request, number=1, status=None):
    """One page of contact messages, newest first (a ``services.catalogue.Page``).

    ``status`` (new or handled) narrows the list; ``number`` is clamped.
    """
    clauses = [ContactMessage.status == status] if status in STATUS_NAMES else []
    total = request.dbsession.scalar(select(func.count(ContactMessage.id)).where(*clauses))
    pages = max(1, -(-total // INBOX_PAGE_SIZE))
    number = min(max(1, number), pages)
    rows = request.dbsession.scalars(
        select(ContactMessage).where(*clauses)
        .order_by(ContactMessage.created_at.desc(), ContactMessage.id.desc())
        .limit(INBOX_PAGE_SIZE).offset((number - 1) * INBOX_PAGE_SIZE)).all()
    return Page(items=list(rows), number=number, pages=pages, total=total)


def unhandled_count(request):
    return request.dbsession.scalar(
        select(func.count(ContactMessage.id)).where(ContactMessage.status == ContactStatus.NEW))


def message(request, message_id):
    """The message with that id, or None."""
    return request.dbsession.get(ContactMessage, message_id) if message_id else None


def mark_handled(request, message):
    """Mark ``message`` handled; False when it already was."""
    if message.status == ContactStatus.HANDLED:
        return False
    message.status = ContactStatus.HANDLED
    return True
