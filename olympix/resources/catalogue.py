"""``/events``: the catalogue search page and each session as ``/events/<slug>``."""
from pyramid.authorization import DENY_ALL, Allow, Everyone
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..models import Event, EventState
from ..security import principals as p
from ..security.permissions import Permission as P
from .base import Container, Item
from .root import root_child

MAX_SLUG = 120
# Built once, bound per request: building it cost a tenth of its round trip.
_BY_SLUG = select(Event).where(Event.slug == bindparam("slug")).options(joinedload(Event.offers))


class EventResource(Item):
    """One competition session (``row``, also ``event``)."""

    @property
    def event(self):
        return self.row

    @property
    def __acl__(self):
        """A published session is public; any other state only shows to staff.

        Unpublished rows stop inheritance (DENY_ALL): nobody buys a ticket for
        a draft or cancelled session, whatever the root grants.
        """
        if self.row.state == EventState.PUBLISHED:
            return [(Allow, Everyone, P.SITE_VIEW)]
        return [(Allow, p.EDITOR, (P.SITE_VIEW, P.CONTENT_EDIT)), DENY_ALL]


@root_child("events")
class EventsFolder(Container):
    """The search page is its default view; a child is a session by slug.

    The folder adds no ACL of its own: browsing is the root's ``SITE_VIEW``
    for everyone, and each EventResource carries its ACL (published or not).
    """

    def load(self, slug):
        if len(slug) > MAX_SLUG:
            raise KeyError(slug)
        # The session and its offers in one round trip (a JOIN of its 1–3 offers).
        row = self.request.dbsession.execute(_BY_SLUG, {"slug": slug}).unique().scalar_one_or_none()
        if row is None:
            raise KeyError(slug)
        resource = EventResource(row, self, row.slug)
        # An unpublished event does not exist for those who may not see it:
        # a 404, not a sign-in page that would confirm the address is real.
        if not self.request.has_permission(P.SITE_VIEW, resource):
            raise KeyError(slug)
        return resource
