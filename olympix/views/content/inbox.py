"""``/backoffice/contact``: the contact messages' inbox (managers, administrators).

Messages sent through /contact, newest first, each with its status; a POST
(``@@handle``, CSRF-checked like every POST) marks one handled.
"""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ...i18n import _, translate
from ...resources.content import ContactInbox
from ...security.permissions import Permission
from ...services import contact
from ..forms import flash

T = "olympix:templates/content/{}.jinja2"
STATUS_CLASSES = {"new": "badge-warn", "handled": "badge-ok"}


def _int(value, default=None):
    try:
        return int((value or "")[:12])
    except ValueError:
        return default


def _status(value):
    """The status filter asked for, or "" (all) when it is none we know."""
    value = (value or "")[:16]
    return value if value in contact.STATUS_NAMES else ""


def inbox_url(request, context, page=1, status=""):
    query = {}
    if status:
        query["status"] = status
    if page > 1:
        query["page"] = page
    return request.resource_url(context, query=query or None)


@view_config(context=ContactInbox, renderer=T.format("inbox"), permission=Permission.CONTACT_READ)
def inbox(context, request):
    status = _status(request.params.get("status"))
    page = contact.inbox(request, _int(request.params.get("page"), 1), status or None)
    fmt = request.fmt
    messages = [{
        "message": message,
        "subject": translate(request, contact.SUBJECT_NAMES.get(message.subject, message.subject)),
        "status": translate(request, contact.STATUS_NAMES.get(message.status, message.status)),
        "status_class": STATUS_CLASSES.get(message.status, "badge-muted"),
        "sent": fmt.datetime(message.created_at, "numeric", zone=True),
        "lines": message.message.splitlines(),
    } for message in page.items]
    return {
        "page": page, "messages": messages, "status": status,
        "unhandled": contact.unhandled_count(request),
        "statuses": [(key, translate(request, name)) for key, name in contact.STATUS_NAMES.items()],
        "page_url": lambda number: inbox_url(request, context, number, status),
        "status_url": lambda chosen: inbox_url(request, context, 1, chosen),
    }


@view_config(context=ContactInbox, name="handle", request_method="POST",
             permission=Permission.CONTACT_READ)
def handle(context, request):
    message = contact.message(request, _int(request.POST.get("message_id"), 0))
    if message is None:
        raise HTTPNotFound()
    if contact.mark_handled(request, message):
        flash(request, _("Message from %(email)s marked handled."), email=message.email)
    back = _int(request.POST.get("page"), 1)
    return HTTPSeeOther(inbox_url(request, context, back, _status(request.POST.get("status"))))
