"""Content: pages, FAQ entries, news and event texts under the workflow.

What the public reads (the published texts, newest news first), what the
back office lists, and the reviewer's diff. Views call these with the
request; they save a working copy here, then apply workflow transitions
themselves (``resources.workflow``): the services know nothing of the tree.

New events (a draft Event with offers and prices) are in
``services/event_drafts.py``; the contact form in ``services/contact.py``;
people and roles in ``services/people.py``.
"""
import difflib

from sqlalchemy import func, select

from ..i18n import _
from ..models.catalogue import Event, EventState
from ..models.content import ContentItem, ContentKind, ContentState, TextStage
from . import event_settings
from .catalogue import Page
from .clock import now
from .html import sanitize, text_lines

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
    """[(group slug, group title, [(slug, question, answer)])] of published entries, groups in order."""
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
    """Content items, last changed first; narrowed by state, last editor or kind."""
    query = select(ContentItem).order_by(ContentItem.updated_at.desc(), ContentItem.id.desc())
    if state is not None:
        query = query.where(ContentItem.state == state)
    if editor is not None:
        query = query.where(ContentItem.editor_id == editor.id)
    if kind is not None:
        query = query.where(ContentItem.kind == kind)
    return request.dbsession.scalars(query).all()


def pending_count(request):
    """How many items wait for a manager's decision."""
    return request.dbsession.scalar(
        select(func.count(ContentItem.id)).where(ContentItem.state == ContentState.PENDING))


def label(item, lang="fr"):
    """A short name for lists: the working title in ``lang``."""
    return working_text(item, lang)[0] or item.slug


def events_with_texts(request):
    """[(event, its content item or None)] of every session, by start."""
    events = request.dbsession.scalars(select(Event).order_by(Event.starts_at, Event.id)).all()
    tasks = {item.event_id: item for item in items(request, kind=ContentKind.EVENT)}
    return [(event, tasks.get(event.id)) for event in events]


def event_by_id(request, text):
    """The session whose id is ``text`` (a query parameter), or None."""
    if not (text.isdigit() and len(text) < 12):
        return None
    return request.dbsession.get(Event, int(text))


def event_item(request, event):
    """The content item holding ``event``'s texts, or None."""
    return request.dbsession.scalar(select(ContentItem).where(ContentItem.event_id == event.id))


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


def save_item(request, item, data):
    """Store ``data`` as the working copy of ``item``.

    The caller then applies ``workflow.edited``: saving a published item
    starts a new working copy ("revise"), and the published texts stay until
    a manager approves the change.
    """
    _apply(item, data)
    item.editor_id = request.identity.id
    item.updated_at = now(request)


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
    if _published_event(item) and "phone_only" in data:
        event_settings.save(item, data)


def _published_event(item):
    """Whether ``item`` holds a published event's texts (a draft's details are set outright)."""
    return item.kind == ContentKind.EVENT and item.event is not None and item.event.state != EventState.DRAFT


def form_values(item):
    """The working copy as the edit form shows it."""
    values = {"slug": item.slug, "faq_group": item.faq_group, "position": item.position}
    for lang in LANGS:
        values[f"title_{lang}"], values[f"body_{lang}"] = working_text(item, lang)
    if _published_event(item):
        values.update(event_settings.working(item))
    return values


def event_texts(event):
    """An event's current texts and gate settings as the event-texts form shows them first."""
    return {"title_fr": event.title_fr, "title_en": event.title_en,
            "body_fr": event.description_fr, "body_en": event.description_en,
            **event_settings.current(event)}


# --- the diff a manager reads ---------------------------------------------

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
