"""``POST /events/<slug>/@@wait`` and ``@@leave-waiting-list``: the waiting list of a sold-out session."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..i18n import _
from ..resources.catalogue import EventResource
from ..security.permissions import Permission
from ..services import waiting_list
from .forms import flash


def waiting_values(request, event):
    """What the event page shows of the line: sold out?, the person's place, the largest request."""
    entry = waiting_list.entry_of(request, request.identity.id, event.id) if request.identity else None
    return {"sold_out": waiting_list.sold_out(request, event), "entry": entry,
            "place": waiting_list.place(request, entry) if entry else None,
            "max": request.registry.settings["olympix.booking.max_per_event"]}


@view_config(context=EventResource, name="wait", permission=Permission.TICKET_BUY, request_method="POST")
def join(context, request):
    raw = request.POST.get("seats", "").strip()
    seats = int(raw) if raw.isdigit() and len(raw) < 4 else None
    try:
        entry = waiting_list.join(request, request.identity, context.event, seats)
    except waiting_list.WaitingRefused as refused:
        flash(request, refused.message, "error")
    else:
        flash(request, _("You are number %(place)s on the waiting list. We will e-mail you when seats come "
                         "back."), "success", place=waiting_list.place(request, entry))
    return HTTPSeeOther(request.resource_url(context))


@view_config(context=EventResource, name="leave-waiting-list", permission=Permission.TICKET_BUY,
             request_method="POST")
def leave(context, request):
    if waiting_list.leave(request, request.identity, context.event):
        flash(request, _("You left the waiting list."), "success")
    else:
        flash(request, _("You are not on the waiting list of this session."), "error")
    return HTTPSeeOther(request.resource_url(context))
