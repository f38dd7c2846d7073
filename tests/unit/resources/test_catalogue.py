"""The ACL of a session follows its publication state."""
from types import SimpleNamespace

from pyramid.authorization import ACLHelper, Everyone

from olympix.resources.catalogue import EventResource
from olympix.resources.root import Root
from olympix.security.permissions import Permission
from olympix.security.principals import EDITOR, USER, principals_for


def resource(state):
    root = Root(request=None)
    return EventResource(SimpleNamespace(id=1, state=state), SimpleNamespace(__parent__=root, request=None), "e")


def test_a_draft_shows_to_editors_only_and_sells_to_nobody():
    acl, event = ACLHelper(), resource("draft")
    assert not acl.permits(event, [Everyone, USER], Permission.SITE_VIEW)
    assert not acl.permits(event, [Everyone, USER], Permission.TICKET_BUY)
    assert acl.permits(event, [Everyone, USER, EDITOR], Permission.SITE_VIEW)
    assert not acl.permits(event, [Everyone, *principals_for("admin")], Permission.TICKET_BUY)


def test_a_published_session_is_public():
    acl, event = ACLHelper(), resource("published")
    assert acl.permits(event, [Everyone], Permission.SITE_VIEW)
    assert not acl.permits(event, [Everyone], Permission.TICKET_BUY)


def test_a_cancelled_session_sells_to_nobody():
    acl, event = ACLHelper(), resource("cancelled")
    assert not acl.permits(event, [Everyone, USER], Permission.SITE_VIEW)
    assert acl.permits(event, [Everyone, USER, EDITOR], Permission.SITE_VIEW)
