"""Content area fixtures: the seeded pages and FAQ, staff accounts, signing in as one."""
import pytest

from olympix.seed import content
from tests.functional.helpers import in_request, sign_in


@pytest.fixture
def seeded(app, testapp):
    """The shipped legal pages and FAQ, loaded as published content (seed/content.py)."""
    return in_request(app, content.seed)


@pytest.fixture
def staff(make_user):
    """One active account per staff role: staff["editor"] is its e-mail address."""
    people = {}
    for role in ("editor", "manager", "admin", "agent"):
        people[role] = f"{role}@staff.test"
        make_user(people[role], role=role, first_name=role.capitalize(), last_name="Staff")
    return people


@pytest.fixture
def as_role(testapp, staff):
    """as_role("manager"): sign the test client in as that staff member (signing out first)."""

    def switch(role):
        testapp.reset()
        sign_in(testapp, staff[role])
        return testapp

    return switch
