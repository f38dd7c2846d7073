"""Back-office fixtures: one signed-in client per role, an ini for commands."""
import pytest
import webtest

from tests.functional.helpers import sign_in

ROLES = ("visitor", "user", "editor", "agent", "manager", "admin")


@pytest.fixture
def client_as(app, testapp, make_user):
    """client_as("manager") → a WebTest client signed in with that role (visitor: anonymous)."""
    made = {}

    def make(role):
        if role in made:
            return made[role]
        client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})
        if role != "visitor":
            email = f"{role}@example.test"
            made_id = make_user(email, role=role, first_name=role.title(), last_name="Tester")
            client.user_id = made_id
            assert sign_in(client, email).status_int == 303
        made[role] = client
        return client

    return make


def csrf_token(client):
    """The session's CSRF token, read from the sign-out form of any page."""
    page = client.get("/")
    field = page.html.find("input", attrs={"name": "csrf_token"})
    return field["value"] if field else ""
