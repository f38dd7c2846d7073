"""The waiting room's pages: the queue in front of a queued sale (issue 11).

While an event's sale is queued (services/waiting_room.py), ``GET`` of the
event page and of its ``@@book`` answer the queue page instead, for whoever
holds no valid pass: a view predicate (``queued_sale``) picks it before the
catalogue's and the shop's own views, which therefore know nothing of it.
``@@queue`` is the same page at its own address, ``@@queue.json`` its
figures for scripts and the page's optional polling. The managers' page is
``/backoffice/queues``.
"""
from pyramid.view import view_config, view_defaults

from ..resources.backoffice import QueuesPage
from ..resources.catalogue import EventResource
from ..security.permissions import Permission
from ..services import booking, waiting_room

TEMPLATE = "olympix:templates/queue/{}.jinja2"
REFRESH_SECONDS = 20


class QueuedSalePredicate:
    """``queued_sale=True``: the event's sale is queued and this browser holds no valid pass."""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"queued_sale = {self.value}"

    phash = text

    def __call__(self, context, request):
        event = getattr(context, "event", None)
        if event is None or event.onsale_at is None:  # the common case costs nothing
            return not self.value
        return shows_queue(request, event) == self.value


def shows_queue(request, event):
    if not waiting_room.is_queued(request, event):
        return False
    user = request.identity
    return (waiting_room.before_opening(request, event) or user is None
            or not waiting_room.has_pass(request, event, user))


def _personal(request):
    # A place in a queue is this person's: never from a shared cache.
    request.response.cache_control = "private, no-store"


@view_defaults(context=EventResource, permission=Permission.SITE_VIEW)
class QueueViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.event = context.event

    @view_config(name="", request_method="GET", queued_sale=True, renderer=TEMPLATE.format("queue"))
    @view_config(name="book", request_method="GET", queued_sale=True, renderer=TEMPLATE.format("queue"))
    @view_config(name="queue", request_method="GET", renderer=TEMPLATE.format("queue"))
    def page(self):
        request = self.request
        _personal(request)
        if not waiting_room.is_queued(request, self.event):
            status = None
        else:
            status = waiting_room.status(request, self.event, request.identity)
        return {"event": self.event, "status": status, "refresh": REFRESH_SECONDS,
                "now": booking.now(request)}

    @view_config(name="queue.json", request_method="GET", renderer="json")
    def json(self):
        request = self.request
        _personal(request)
        if not waiting_room.is_queued(request, self.event):
            return {"position": None, "ahead": 0, "estimated_wait_s": 0, "admitted": True,
                    "queued": False}
        answer = waiting_room.status(request, self.event, request.identity).as_json()
        answer["queued"] = True
        return answer


@view_config(context=QueuesPage, permission=Permission.STATS_VIEW, renderer=TEMPLATE.format("backoffice"))
def queues_page(context, request):
    """The managers' view of every queued sale: length, rate, wait; and repeated lapses."""
    _personal(request)
    return {"queues": waiting_room.sales_summary(request),
            "lapses": booking.repeated_lapses(request)}


def includeme(config):
    config.add_view_predicate("queued_sale", QueuedSalePredicate)
