"""Roles: managers make editors (and take it back); administrators set any role; all audited."""
import json

import pytest
from sqlalchemy import select

from olympix.models import AuditEntry, User
from tests.functional.helpers import csrf_token


def find(testapp, dbsession, email):
    page = testapp.get("/backoffice/people", {"q": email.split("@")[0]})
    user_id = dbsession.scalar(select(User.id).where(User.email == email))
    return page, user_id


def set_role(testapp, page, user_id, role, status=303):
    form = next(f for f in page.forms.values() if f.action.endswith(f"/people/{user_id}/@@role"))
    csrf = form["csrf_token"].value
    return testapp.post(f"/backoffice/people/{user_id}/@@role", {"csrf_token": csrf, "role": role},
                        status=status)


def role_of(dbsession, user_id):
    dbsession.rollback()  # a fresh snapshot: MariaDB reads are repeatable
    return dbsession.get(User, user_id).role


def test_manager_makes_an_editor_and_takes_it_back(testapp, as_role, make_user, dbsession):
    make_user("camille@example.test", first_name="Camille", last_name="Martin")
    as_role("manager")
    page, uid = find(testapp, dbsession, "camille@example.test")
    assert "Camille Martin" in page
    assert [o["value"] for o in page.html.select(f"#role-{uid} option")] == ["user", "editor"]
    set_role(testapp, page, uid, "editor").follow()
    assert role_of(dbsession, uid) == "editor"
    set_role(testapp, page, uid, "user")
    assert role_of(dbsession, uid) == "user"
    entries = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "role.change")).all()
    assert [json.loads(e.details)["new"] for e in entries] == ["editor", "user"]


@pytest.mark.parametrize("role", ["manager", "admin", "agent"])
def test_manager_cannot_grant_other_roles(testapp, as_role, make_user, dbsession, role):
    make_user("camille@example.test", first_name="Camille", last_name="Martin")
    as_role("manager")
    page, uid = find(testapp, dbsession, "camille@example.test")
    set_role(testapp, page, uid, role, status=403)
    assert role_of(dbsession, uid) == "user"


def test_manager_cannot_demote_a_manager(testapp, as_role, staff, make_user, dbsession):
    make_user("other-manager@example.test", role="manager", first_name="Other", last_name="Boss")
    as_role("manager")
    page, uid = find(testapp, dbsession, "other-manager@example.test")
    assert not page.html.select(f"#role-{uid}")  # no choice offered
    csrf = page.html.select_one("input[name=csrf_token]")["value"]
    testapp.post(f"/backoffice/people/{uid}/@@role", {"csrf_token": csrf, "role": "user"}, status=403)
    assert role_of(dbsession, uid) == "manager"


def test_admin_sets_any_role_but_not_their_own(testapp, as_role, staff, make_user, dbsession):
    make_user("camille@example.test", first_name="Camille", last_name="Martin")
    as_role("admin")
    page, uid = find(testapp, dbsession, "camille@example.test")
    for role in ("manager", "agent", "admin", "user"):
        set_role(testapp, page, uid, role)
        assert role_of(dbsession, uid) == role
    page, me = find(testapp, dbsession, staff["admin"])
    csrf = page.html.select_one("input[name=csrf_token]")["value"]
    testapp.post(f"/backoffice/people/{me}/@@role", {"csrf_token": csrf, "role": "user"}).follow()
    assert role_of(dbsession, me) == "admin"


def test_editors_and_agents_cannot_change_roles(testapp, as_role, make_user, dbsession):
    uid = make_user("camille@example.test")
    for role in ("editor", "agent"):
        as_role(role)
        testapp.get("/backoffice/people", status=403)
        testapp.post(f"/backoffice/people/{uid}/@@role", {"role": "editor"}, status=403)
        testapp.post(f"/backoffice/people/{uid}/@@role",
                     {"csrf_token": csrf_token(testapp), "role": "editor"}, status=403)
    assert role_of(dbsession, uid) == "user"
