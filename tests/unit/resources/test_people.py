"""The people area's ACL: a manager makes editors, an administrator anything (no DB)."""
from types import SimpleNamespace

import pytest
from pyramid import testing
from pyramid.authorization import ACLHelper, Authenticated, Everyone

from olympix.resources.people import PeopleFolder, Person
from olympix.resources.root import Root
from olympix.security.permissions import Permission as P
from olympix.security.principals import Role, principals_for
from olympix.services import people


class RolePolicy:
    def identity(self, request):
        return getattr(request, "person", None)

    def permits(self, request, context, permission):
        principals = [Everyone]
        if request.person is not None:
            principals += [Authenticated, *principals_for(request.person.role)]
        return ACLHelper().permits(context, principals, permission)


@pytest.fixture
def config():
    config = testing.setUp()
    config.set_security_policy(RolePolicy())
    yield config
    testing.tearDown()


def acting(role, user_id=1):
    request = testing.DummyRequest()
    request.person = SimpleNamespace(id=user_id, role=role) if role else None
    return request


def person(role, user_id=2):
    folder = Root(None)["backoffice"]["people"]
    assert isinstance(folder, PeopleFolder)
    found = folder.person(SimpleNamespace(id=user_id, role=role))
    assert isinstance(found, Person) and found.__name__ == str(user_id)
    return found


@pytest.mark.parametrize("target, offered", [
    (Role.USER, [Role.USER, Role.EDITOR]),
    (Role.EDITOR, [Role.USER, Role.EDITOR]),
    (Role.AGENT, []),
    (Role.MANAGER, []),
    (Role.ADMIN, []),
])
def test_a_manager_moves_people_between_user_and_editor_only(config, target, offered):
    assert people.roles_offered(acting(Role.MANAGER), person(target)) == offered


@pytest.mark.parametrize("target", list(Role))
def test_an_administrator_gives_any_role_to_anyone(config, target):
    assert people.roles_offered(acting(Role.ADMIN), person(target)) == list(people.ALL_ROLES)


@pytest.mark.parametrize("role", [None, Role.USER, Role.EDITOR, Role.AGENT])
def test_others_give_no_role(config, role):
    for target in Role:
        assert people.roles_offered(acting(role), person(target)) == []


def test_the_page_needs_grant_editor_and_deactivation_needs_admin(config):
    for role, page, deactivate in ((Role.MANAGER, True, False), (Role.ADMIN, True, True),
                                   (Role.EDITOR, False, False), (None, False, False)):
        request = acting(role)
        assert bool(request.has_permission(P.ROLE_GRANT_EDITOR, person(Role.USER))) is page
        assert bool(request.has_permission(P.ADMIN, person(Role.USER))) is deactivate


def test_unknown_roles_are_never_offered(config):
    assert not people.may_set_role(acting(Role.ADMIN), person(Role.USER), "superuser")
