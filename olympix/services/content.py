"""Content: pages, FAQ, news and event texts under the workflow; contact
messages; role changes made from the back office.

Views call these with the request (and the context when a permission is at
stake); state changes go through ``resources.workflow.transition``.
"""
import difflib
import hashlib
import hmac
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

from pyramid.httpexceptions import HTTPForbidden
from sqlalchemy import func, or_, select

from ..i18n import PARIS, _
from ..models import User
from ..models.catalogue import (
    OFFER_SEATS,
    Event,
    EventState,
    Offer,
    OfferKind,
    Sport,
    Venue,
)
from ..models.content import (
    ContactMessage,
    ContactStatus,
    ContentItem,
    ContentKind,
    ContentState,
    TextStage,
)
from ..resources import workflow
from ..security.permissions import Permission as P
from ..security.principals import Role
from . import audit
from .email import send_email
from .html import sanitize
from .clock import now

LANGS = ("fr", "en")

# FAQ groups in the order the FAQ shows them; an entry names its group.
FAQ_GROUPS = (
    ("buying", _("Buying tickets")),
    ("tickets", _("My tickets")),
    ("entry", _("On the day")),
    ("refunds", _("Cancellations and refunds")),
    ("accessibility", _("Accessibility")),
    ("account", _("My account")),
)
FAQ_GROUP_NAMES = dict(FAQ_GROUPS)

KIND_NAMES = {
    ContentKind.PAGE: _("Page"),
    ContentKind.FAQ: _("FAQ entry"),
    ContentKind.NEWS: _("News"),
    ContentKind.EVENT: _("Event texts"),
}
STATE_NAMES = {
    ContentState.DRAFT: _("Draft"),
    ContentState.PENDING: _("Waiting for validation"),
    ContentState.PUBLISHED: _("Published"),
    ContentState.REJECTED: _("Sent back"),
}
TRANSITION_NAMES = {
    "submit": _("Submitted for validation"),
    "approve": _("Approved and published"),
    "reject": _("Sent back"),
    "revise": _("Changed after publication"),
}


# --- reading ---------------------------------------------------------------

def lang_of(request):
    return request.locale_name if request.locale_name in LANGS else LANGS[0]


def published_text(item, lang):
    """(title, body) of the published version in ``lang``, else in the other language."""
    return item.text(lang, TextStage.PUBLISHED) or item.text(
        LANGS[1] if lang == LANGS[0] else LANGS[0], TextStage.PUBLISHED)


def working_text(item, lang):
    return item.text(lang, TextStage.WORKING) or item.text(lang, TextStage.PUBLISHED) or ("", "")


def faq(request, lang):
    """[(group title, [(slug, question, answer)])] of published entries, groups in order."""
    items = request.dbsession.scalars(
        select(ContentItem).where(ContentItem.kind == ContentKind.FAQ,
                                  ContentItem.published_at.is_not(None))
        .order_by(ContentItem.position, ContentItem.id)).all()
    groups = []
    for slug, title in FAQ_GROUPS:
        entries = [(i.slug, *published_text(i, lang)) for i in items if i.faq_group == slug]
        if entries:
            groups.append((slug, title, entries))
    return groups


def published_pages(request, kind=ContentKind.PAGE):
    return request.dbsession.scalars(
        select(ContentItem).where(ContentItem.kind == kind, ContentItem.published_at.is_not(None))
        .order_by(ContentItem.published_at.desc() if kind == ContentKind.NEWS else ContentItem.slug)
    ).all()


NEWS_PAGE_SIZE = 10


def news_page(request, number=1):
    """One page of published news, newest first (a ``services.catalogue.Page``).

    ``number`` is clamped to the pages there are.
    """
    from .catalogue import Page

    published = (ContentItem.kind == ContentKind.NEWS, ContentItem.published_at.is_not(None))
    total = request.dbsession.scalar(select(func.count(ContentItem.id)).where(*published))
    pages = max(1, -(-total // NEWS_PAGE_SIZE))
    number = min(max(1, number), pages)
    rows = request.dbsession.scalars(
        select(ContentItem).where(*published)
        .order_by(ContentItem.published_at.desc(), ContentItem.id.desc())
        .limit(NEWS_PAGE_SIZE).offset((number - 1) * NEWS_PAGE_SIZE)).all()
    return Page(items=list(rows), number=number, pages=pages, total=total)


def summary(html, length=240):
    """The first words of an HTML body as plain text, for lists."""
    text = " ".join(text_lines(html))
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + "…"


def items(request, *, state=None, editor=None, kind=None):
    query = select(ContentItem).order_by(ContentItem.updated_at.desc(), ContentItem.id.desc())
    if state is not None:
        query = query.where(ContentItem.state == state)
    if editor is not None:
        query = query.where(ContentItem.editor_id == editor.id)
    if kind is not None:
        query = query.where(ContentItem.kind == kind)
    return request.dbsession.scalars(query).all()


def label(item, lang="fr"):
    """A short name for lists: the working title in ``lang``."""
    return working_text(item, lang)[0] or item.slug


# --- writing ---------------------------------------------------------------

def slug_taken(request, kind, slug, exclude=None):
    query = select(ContentItem.id).where(ContentItem.kind == kind, ContentItem.slug == slug)
    if exclude is not None:
        query = query.where(ContentItem.id != exclude.id)
    return request.dbsession.scalar(query) is not None


def new_item(request, kind, data, event=None):
    """A draft item holding ``data`` as its working copy."""
    at = now(request)
    user = request.identity
    item = ContentItem(kind=kind, slug=event.slug if event is not None else data["slug"],
                       event=event, state=ContentState.DRAFT, created_at=at, updated_at=at,
                       author_id=user.id, editor_id=user.id, position=0)
    _apply(item, data)
    request.dbsession.add(item)
    request.dbsession.flush()
    return item


def save_item(request, context, data):
    """Store ``data`` as the working copy of ``context.item``.

    Saving a published item starts a new working copy ("revise"): the
    published texts stay until a manager approves the change.
    """
    item = context.item
    if not request.has_permission(P.CONTENT_EDIT, context):
        raise HTTPForbidden()
    _apply(item, data)
    item.editor_id = request.identity.id
    item.updated_at = now(request)
    if item.state == ContentState.PUBLISHED:
        workflow.transition(context, request, "revise")


def _apply(item, data):
    if item.kind in (ContentKind.PAGE, ContentKind.NEWS, ContentKind.FAQ) and data.get("slug"):
        item.slug = data["slug"]
    if item.kind == ContentKind.FAQ:
        item.faq_group = data["faq_group"]
        item.position = data.get("position") or 0
    for lang in LANGS:
        body = data[f"body_{lang}"]
        # Event descriptions are plain text on the event page; others are HTML.
        if item.kind != ContentKind.EVENT:
            body = sanitize(body)
        item.set_text(lang, TextStage.WORKING, data[f"title_{lang}"].strip(), body.strip())


def form_values(item):
    values = {"slug": item.slug, "faq_group": item.faq_group, "position": item.position}
    for lang in LANGS:
        values[f"title_{lang}"], values[f"body_{lang}"] = working_text(item, lang)
    return values


def event_item(request, event):
    return request.dbsession.scalar(select(ContentItem).where(ContentItem.event_id == event.id))


def events(request):
    return request.dbsession.scalars(select(Event).order_by(Event.starts_at, Event.id)).all()


# --- new events --------------------------------------------------------------
#
# An editor creates a session as a draft Event (its ACL hides it from the
# public) with a content item holding its texts; the item goes through the
# same workflow as any text, and approving it publishes the Event
# (resources/workflow.py). Until then the editor may still change every
# detail; once published, only the texts go through the workflow (seats may
# be sold by then).

SPORT_IMAGES = Path(__file__).resolve().parent.parent / "static" / "img" / "sports"
PRICE_FIELDS = {OfferKind.SOLO: "price_solo", OfferKind.DUO: "price_duo",
                OfferKind.FAMILY: "price_family"}


def sport_choices(request):
    lang = lang_of(request)
    rows = request.dbsession.scalars(select(Sport)).all()
    return sorted(((s.id, s.name(lang)) for s in rows), key=lambda row: row[1].casefold())


def venue_choices(request):
    lang = lang_of(request)
    rows = request.dbsession.scalars(select(Venue)).all()
    return sorted(((v.id, f"{v.name(lang)} ({v.city})", v.capacity) for v in rows),
                  key=lambda row: row[1].casefold())


def venue_capacity(request, venue_id):
    return request.dbsession.scalar(select(Venue.capacity).where(Venue.id == venue_id))


def sport_images():
    """File names of the shipped sport pictures (static/img/sports/)."""
    return sorted(p.name for p in SPORT_IMAGES.glob("*.svg"))


def is_draft_event(item):
    return item.kind == ContentKind.EVENT and item.event is not None and \
        item.event.state == EventState.DRAFT


def _slugify(text):
    from ..seed.catalogue import slugify

    return slugify(text) or "event"


def _unique_slug(request, title):
    base = _slugify(title)
    taken = set(request.dbsession.scalars(
        select(Event.slug).where(or_(Event.slug == base, Event.slug.like(base + "-%")))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _new_code(request, starts_at):
    prefix = f"NEW-{starts_at.astimezone(PARIS):%Y%m%d}-"
    taken = set(request.dbsession.scalars(select(Event.code).where(Event.code.like(prefix + "%"))))
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _set_event(request, event, data):
    """Copy the form's details onto a draft event and its offers."""
    sport = request.dbsession.get(Sport, data["sport_id"])
    event.sport, event.venue = sport, request.dbsession.get(Venue, data["venue_id"])
    event.starts_at, event.ends_at = data["starts_at"], data["ends_at"]
    event.image = f"sports/{data['image'] or sport.icon}"
    # Nothing is sold while the event is a draft (its ACL refuses TICKET_BUY),
    # so the seats can be set outright here.
    event.capacity = event.seats_left = data["capacity"]
    existing = {offer.kind: offer for offer in event.offers}
    for kind, field in PRICE_FIELDS.items():
        price = data[field]
        offer = existing.get(kind)
        if price is None:
            if offer is not None:
                event.offers.remove(offer)
        elif offer is None:
            event.offers.append(Offer(kind=kind, seats=OFFER_SEATS[kind], price_cents=int(price * 100)))
        else:
            offer.price_cents = int(price * 100)


def new_event(request, data):
    """A draft Event with its offers, and the content item that will publish it."""
    event = Event(slug=_unique_slug(request, data["title_en"]),
                  code=_new_code(request, data["starts_at"]), state=EventState.DRAFT,
                  title_fr=data["title_fr"].strip(), title_en=data["title_en"].strip(),
                  description_fr=data["body_fr"].strip(), description_en=data["body_en"].strip())
    _set_event(request, event, data)
    request.dbsession.add(event)
    request.dbsession.flush()
    return new_item(request, ContentKind.EVENT, data, event=event)


def save_event(request, context, data):
    """Change a draft event's details and its working texts."""
    _set_event(request, context.item.event, data)
    save_item(request, context, data)


def event_form_values(item):
    event = item.event
    values = form_values(item)
    values.update(sport_id=event.sport_id, venue_id=event.venue_id, starts_at=event.starts_at,
                  ends_at=event.ends_at, capacity=event.capacity,
                  image=event.image.removeprefix("sports/"))
    prices = {offer.kind: offer.price_cents for offer in event.offers}
    for kind, field in PRICE_FIELDS.items():
        if kind in prices:
            values[field] = Decimal(prices[kind]) / 100
    return values


# --- the diff a manager reads ---------------------------------------------

BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|tr|blockquote|dt|dd|ul|ol|table)>|<br\s*/?>)", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


def text_lines(html):
    """Readable lines of an HTML fragment: one per block, tags removed."""
    text = TAG.sub(" ", BLOCK_END.sub(r"\1\n", html or ""))
    return [" ".join(unescape(line).split()) for line in text.splitlines() if line.strip()]


def line_diff(old, new, context=1):
    """[(op, line)] with op in " ", "-", "+", "…": changed lines with a little context."""
    rows = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for n, group in enumerate(matcher.get_grouped_opcodes(context)):
        if n:
            rows.append(("…", ""))
        for op, a1, a2, b1, b2 in group:
            if op == "equal":
                rows += [(" ", line) for line in old[a1:a2]]
                continue
            rows += [("-", line) for line in old[a1:a2]]
            rows += [("+", line) for line in new[b1:b2]]
    return rows


def diff(item):
    """Per language: title (old, new) and the body's line diff against the published version."""
    result = []
    for lang in LANGS:
        old_title, old_body = item.text(lang, TextStage.PUBLISHED) or ("", "")
        new_title, new_body = item.text(lang, TextStage.WORKING) or (old_title, old_body)
        result.append({
            "lang": lang,
            "title": (old_title, new_title),
            "body": line_diff(text_lines(old_body), text_lines(new_body)),
            "is_new": item.text(lang, TextStage.PUBLISHED) is None,
        })
    return result


# --- contact ---------------------------------------------------------------

CONTACT_SUBJECTS = (
    ("tickets", _("My tickets or an order")),
    ("payment", _("Payment or refund")),
    ("entry", _("Entry on the day")),
    ("accessibility", _("Accessibility")),
    ("account", _("My account")),
    ("other", _("Something else")),
)
CONTACT_LIMIT = 3  # messages per hour, per address and per IP address
CONTACT_WINDOW = timedelta(hours=1)
MIN_FILL_SECONDS = 3  # a person takes longer than this to write a message
MAX_FORM_AGE = timedelta(hours=12)


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


def client_ip(request):
    return (request.client_addr or "unknown")[:45]


def over_limit(request, email, ip):
    since = now(request) - CONTACT_WINDOW
    count = lambda column, value: request.dbsession.scalar(
        select(func.count(ContactMessage.id)).where(column == value, ContactMessage.created_at > since))
    return count(ContactMessage.email, email) >= CONTACT_LIMIT or \
        count(ContactMessage.ip, ip) >= CONTACT_LIMIT


def store_contact(request, data):
    """Store the message, e-mail it to support and acknowledge it to the sender."""
    message = ContactMessage(subject=data["subject"], message=data["message"], email=data["email"],
                             ip=client_ip(request), locale=lang_of(request),
                             created_at=now(request))
    request.dbsession.add(message)
    request.dbsession.flush()
    subject_name = dict(CONTACT_SUBJECTS)[message.subject]
    settings = request.registry.settings
    to_support = send_email(request, "contact_support", settings["olympix.support_email"],
                            contact=message, subject_name=subject_name)
    # Support answers with "Reply"; the address passed colander.Email (no line breaks).
    to_support.extra_headers["Reply-To"] = message.email
    # The acknowledgement does not repeat the message: anyone can type any
    # address here, and we must not relay their text to a stranger.
    send_email(request, "contact_ack", message.email, contact=message, subject_name=subject_name)
    return message


CONTACT_STATUS_NAMES = {
    ContactStatus.NEW: _("New"),
    ContactStatus.HANDLED: _("Handled"),
}
INBOX_PAGE_SIZE = 50


def contact_inbox(request, number=1, status=None):
    """One page of contact messages, newest first (a ``services.catalogue.Page``).

    ``status`` (new or handled) narrows the list; ``number`` is clamped.
    """
    from .catalogue import Page

    clauses = [ContactMessage.status == status] if status in CONTACT_STATUS_NAMES else []
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


def mark_handled(request, message):
    """Mark ``message`` handled; False when it already was."""
    if message.status == ContactStatus.HANDLED:
        return False
    message.status = ContactStatus.HANDLED
    return True


# --- roles -----------------------------------------------------------------

EDITOR_GRANTABLE = (Role.USER, Role.EDITOR)
ALL_ROLES = (Role.USER, Role.EDITOR, Role.AGENT, Role.MANAGER, Role.ADMIN)
ROLE_NAMES = {
    Role.USER: _("User"),
    Role.EDITOR: _("Editor"),
    Role.AGENT: _("Gate agent"),
    Role.MANAGER: _("Manager"),
    Role.ADMIN: _("Administrator"),
}


class RoleChangeError(Exception):
    pass


def may_set_role(request, context, user, role):
    """Managers move people between user and editor; anything else needs ROLE_GRANT_ANY."""
    if role not in ALL_ROLES:
        return False
    if user.role in EDITOR_GRANTABLE and role in EDITOR_GRANTABLE:
        return bool(request.has_permission(P.ROLE_GRANT_EDITOR, context))
    return bool(request.has_permission(P.ROLE_GRANT_ANY, context))


def roles_offered(request, context, user):
    return [role for role in ALL_ROLES if may_set_role(request, context, user, role)]


def change_role(request, context, role):
    user = context.user
    if request.identity is not None and user.id == request.identity.id:
        # Nobody demotes themselves by a slip; another administrator can.
        raise RoleChangeError(_("You cannot change your own role."))
    if not may_set_role(request, context, user, role):
        raise HTTPForbidden()
    if user.role == role:
        return False
    before = user.role
    user.role = role
    audit.record(request, "role.change", "user", user.id, old=before, new=str(role))
    return True


def find_people(request, text, limit=50):
    text = (text or "").strip()[:100]
    if not text:
        return []
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full_name = func.lower(User.first_name + " " + User.last_name)
    return request.dbsession.scalars(
        select(User).where(User.state != "deleted", or_(
            func.lower(User.email).like(pattern, escape="\\"),
            full_name.like(pattern, escape="\\"),
            func.lower(User.last_name).like(pattern, escape="\\")))
        .order_by(User.last_name, User.first_name, User.id).limit(limit)).all()
