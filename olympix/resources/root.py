"""The root of the traversal tree and its short ACL.

Areas add their top-level containers with ``@Root.child("name")`` (or
``root_child``) in their own resources module, so no central list has to
know them all.
"""
from pyramid.authorization import ALL_PERMISSIONS, Allow, Everyone

from ..security import principals as p
from ..security.permissions import Permission as P
from .base import Container


class Root(Container):
    __name__ = ""
    __parent__ = None
    __acl__ = [
        (Allow, Everyone, P.SITE_VIEW),
        (Allow, p.USER, (P.ACCOUNT_MANAGE, P.TICKET_BUY)),
        (Allow, p.EDITOR, (P.CONTENT_EDIT, P.BACKOFFICE_VIEW)),
        (Allow, p.AGENT, (P.GATE_SCAN, P.TICKET_DEACTIVATE, P.BACKOFFICE_VIEW)),
        (Allow, p.MANAGER, (P.CONTENT_PUBLISH, P.STATS_VIEW, P.ROLE_GRANT_EDITOR,
                            P.ORDER_REFUND, P.CONTACT_READ, P.BACKOFFICE_VIEW)),
        (Allow, p.ADMIN, ALL_PERMISSIONS),
    ]


root_child = Root.child


def root_factory(request):
    return Root(request)
