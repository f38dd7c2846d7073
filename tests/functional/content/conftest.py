"""Content area fixtures: seeded pages, staff signed in, items made through the forms."""
import pytest
from pyramid.scripting import prepare

from tests.functional.helpers import sign_in, submit


@pytest.fixture
def seeded(app, testapp):
    """The shipped legal pages and FAQ, loaded as published content (seed/content.py)."""
    from olympix.seed import content

    env = prepare(registry=app.registry)
    try:
        with env["request"].tm:
            made = content.seed(env["request"])
    finally:
        env["closer"]()
    return made


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


def new_page(testapp, slug="opening-hours", title_fr="Horaires", title_en="Opening hours",
             body_fr="<p>Ouvert de 9 h à 18 h.</p>", body_en="<p>Open 9am to 6pm.</p>"):
    """Create a page through the back-office form; returns the task page."""
    page = testapp.get("/backoffice/content/@@new?kind=page")
    return submit(page, slug=slug, title_fr=title_fr, body_fr=body_fr,
                  title_en=title_en, body_en=body_en).follow()


def post_button(testapp, page, action):
    """Submit the form whose action ends with @@<action> on ``page``."""
    for form in page.forms.values():
        if form.action.endswith(f"@@{action}"):
            return form.submit()
    raise AssertionError(f"no @@{action} form on the page")
