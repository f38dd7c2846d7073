"""``/events``: the catalogue search page and each session as ``/events/<slug>``."""
from ..security.permissions import Permission
from ..services import catalogue
from .root import root_child


@root_child("events")
class EventsFolder:
    """The search page is its default view; a child is an Event row by slug.

    The folder adds no ACL of its own: browsing is the root's ``SITE_VIEW``
    for everyone, and each Event carries its ACL (published or not).
    """

    def __init__(self, request):
        self.request = request

    def __getitem__(self, slug):
        event = catalogue.event_by_slug(self.request, slug)
        if event is None:
            raise KeyError(slug)
        event.__name__ = event.slug
        event.__parent__ = self
        # An unpublished event does not exist for those who may not see it:
        # a 404, not a sign-in page that would confirm the address is real.
        if not self.request.has_permission(Permission.SITE_VIEW, event):
            raise KeyError(slug)
        return event
