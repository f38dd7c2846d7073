"""The root of the traversal tree and its short ACL.

Areas add their top-level containers with ``@root_child("name")`` in their
own resources module, so no central list has to know them all.
"""
from pyramid.authorization import ALL_PERMISSIONS, Allow, Everyone

from ..security import principals as p
from ..security.permissions import Permission as P

_children = {}


def root_child(name):
    def register(factory):
        _children[name] = factory
        return factory

    return register


class Root:
    __name__ = ""
    __parent__ = None
    __acl__ = [
        (Allow, Everyone, P.SITE_VIEW),
        (Allow, p.USER, (P.ACCOUNT_MANAGE, P.TICKET_BUY)),
        (Allow, p.EDITOR, (P.CONTENT_EDIT, P.BACKOFFICE_VIEW)),
        (Allow, p.AGENT, (P.GATE_SCAN, P.TICKET_DEACTIVATE, P.BACKOFFICE_VIEW)),
        (Allow, p.MANAGER, (P.CONTENT_PUBLISH, P.STATS_VIEW, P.ROLE_GRANT_EDITOR,
                            P.ORDER_REFUND, P.BACKOFFICE_VIEW)),
        (Allow, p.ADMIN, ALL_PERMISSIONS),
    ]

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        factory = _children[name]
        child = factory(self.request)
        child.__name__ = name
        child.__parent__ = self
        return child


def root_factory(request):
    return Root(request)
