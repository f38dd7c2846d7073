"""People in the back office: finding them, changing their role, deactivating them.

Who may give which role is not decided here: a role needs a permission
(``GRANT_PERMISSIONS``) and the person's resource says who holds it on
that person (``resources/people.py``: a manager may make editors of users
and users of editors, an administrator anything). Every change is audited.
"""
from sqlalchemy import func, or_, select

from ..i18n import _
from ..models import User, UserState
from ..security.permissions import Permission as P
from ..security.principals import Role
from . import accounts, audit

ALL_ROLES = (Role.USER, Role.EDITOR, Role.AGENT, Role.MANAGER, Role.ADMIN)
#: The permission, held on the person, that giving them each role needs.
GRANT_PERMISSIONS = {
    Role.USER: P.ROLE_GRANT_EDITOR,
    Role.EDITOR: P.ROLE_GRANT_EDITOR,
    Role.AGENT: P.ROLE_GRANT_ANY,
    Role.MANAGER: P.ROLE_GRANT_ANY,
    Role.ADMIN: P.ROLE_GRANT_ANY,
}


class PeopleError(Exception):
    """A change refused for a reason the person is told (``args[0]``, translatable)."""


class NotPermitted(Exception):
    """The person acting lacks the permission this change needs (a 403)."""


def find_people(request, text, limit=50):
    """Accounts not deleted whose e-mail address or name contains ``text``."""
    text = (text or "").strip()[:100]
    if not text:
        return []
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full_name = func.lower(User.first_name + " " + User.last_name)
    return request.dbsession.scalars(
        select(User).where(User.state != UserState.DELETED, or_(
            func.lower(User.email).like(pattern, escape="\\"),
            full_name.like(pattern, escape="\\"),
            func.lower(User.last_name).like(pattern, escape="\\")))
        .order_by(User.last_name, User.first_name, User.id).limit(limit)).all()


def _is_me(request, user):
    return request.identity is not None and user.id == request.identity.id


def may_set_role(request, person, role):
    """Whether the person acting may give ``role`` to ``person`` (a Person resource)."""
    needed = GRANT_PERMISSIONS.get(role)
    return needed is not None and bool(request.has_permission(needed, person))


def roles_offered(request, person):
    """The roles the person acting may give ``person``, in ALL_ROLES order."""
    return [role for role in ALL_ROLES if may_set_role(request, person, role)]


def change_role(request, person, role):
    """Give ``person.user`` the role; False when they had it already.

    Raises PeopleError for one's own role, NotPermitted without the permission.
    """
    user = person.user
    if _is_me(request, user):
        # Nobody demotes themselves by a slip; another administrator can.
        raise PeopleError(_("You cannot change your own role."))
    if not may_set_role(request, person, role):
        raise NotPermitted(role)
    if user.role == role:
        return False
    before = user.role
    user.role = role
    audit.record(request, "role.change", "user", user.id, old=before, new=str(role))
    return True


def is_deactivated(user):
    return user.state == UserState.DELETED


def check_deactivation(request, user):
    """Raise PeopleError when ``user`` may not be deactivated from the back office."""
    if _is_me(request, user):
        raise PeopleError(_("You cannot deactivate your own account here."))


def deactivate(request, user):
    """Erase the account's personal data and deactivate its unused tickets; audited."""
    check_deactivation(request, user)
    role = user.role
    accounts.delete_account(request, user)
    audit.record(request, "account.deactivate", "user", user.id, role=role)
