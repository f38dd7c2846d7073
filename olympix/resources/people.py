"""``/backoffice/people``: find people, change their role, deactivate an account.

The rule "a manager may make editors, an administrator anything" is the
Person's ACL: giving a role needs ``ROLE_GRANT_EDITOR`` (user, editor) or
``ROLE_GRANT_ANY`` (agent, manager, administrator) on the person
(``services/people.py``), and a manager holds ``ROLE_GRANT_EDITOR`` on a
person only while that person is a user or an editor: a manager neither
promotes anyone past editor nor demotes an agent, a manager or an
administrator. Deactivating an account needs ``ADMIN``.
"""
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny

from ..models import User
from ..security import principals as p
from ..security.permissions import Permission as P
from ..security.principals import Role
from .backoffice import BackofficeFolder
from .base import Container, Item, row_id

#: The people a manager may move between these same roles.
MANAGER_GRANTABLE = (Role.USER, Role.EDITOR)


@BackofficeFolder.child("people")
class PeopleFolder(Container):
    """The search page is its default view; a child is one account by id.

    Root grants managers ``ROLE_GRANT_EDITOR`` (the page) and
    administrators everything.
    """

    def load(self, name):
        user = self.request.dbsession.get(User, row_id(name))
        if user is None:
            raise KeyError(name)
        return self.person(user)

    def person(self, user):
        """The resource of one account (for its address and its ACL)."""
        return Person(user, self)


class Person(Item):
    """One account (``row``, also ``user``), deactivated ones included."""

    @property
    def user(self):
        return self.row

    @property
    def __acl__(self):
        # The administrator comes first: they carry the manager principal too,
        # and the Deny below must not reach them.
        acl = [(Allow, p.ADMIN, ALL_PERMISSIONS)]
        if self.row.role in MANAGER_GRANTABLE:
            acl.append((Allow, p.MANAGER, P.ROLE_GRANT_EDITOR))
        else:
            acl.append((Deny, p.MANAGER, (P.ROLE_GRANT_EDITOR, P.ROLE_GRANT_ANY)))
        return acl
