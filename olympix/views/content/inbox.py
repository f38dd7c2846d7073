"""``/backoffice/contact``: the contact messages' inbox (managers, administrators).

Messages sent through /contact, newest first, each with its status; a POST
(``@@handle``, CSRF-checked like every POST) marks one handled.
"""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ...i18n import PARIS, _
from ...models.content import ContactMessage
from ...resources.content import ContactInbox
from ...security.permissions import Permission
from ...services import content as service
from ..forms import flash

T = "olympix:templates/content/{}.jinja2"


def _int(value, default=None):
    try:
        return int((value or "")[:12])
    except ValueError:
        return default


def inbox_url(request, page=1, status=""):
    query = {}
    if status:
        query["status"] = status
    if page > 1:
        query["page"] = page
    return request.resource_url(request.root, "backoffice", "contact", query=query or None)


@view_config(context=ContactInbox, renderer=T.format("inbox"), permission=Permission.CONTACT_READ)
def inbox(context, request):
    status = request.params.get("status", "")[:16]
    if status not in service.CONTACT_STATUS_NAMES:
        status = ""
    page = service.contact_inbox(request, _int(request.params.get("page"), 1), status or None)
    return {
        "page": page, "status": status, "PARIS": PARIS,
        "unhandled": service.unhandled_count(request),
        "SUBJECT_NAMES": dict(service.CONTACT_SUBJECTS),
        "STATUS_NAMES": service.CONTACT_STATUS_NAMES,
        "page_url": lambda number: inbox_url(request, number, status),
        "status_url": lambda chosen: inbox_url(request, 1, chosen),
    }


@view_config(context=ContactInbox, name="handle", request_method="POST",
             permission=Permission.CONTACT_READ)
def handle(context, request):
    message = request.dbsession.get(ContactMessage, _int(request.POST.get("message_id"), 0))
    if message is None:
        raise HTTPNotFound()
    if service.mark_handled(request, message):
        flash(request, _("Message from %(email)s marked handled."), email=message.email)
    back = _int(request.POST.get("page"), 1)
    status = request.POST.get("status", "")[:16]
    return HTTPSeeOther(inbox_url(request, back, status if status in service.CONTACT_STATUS_NAMES else ""))
