"""Gate fixtures: a world with tickets to scan, agents, signed-in clients."""
import pytest

from tests.factories.gate import build_world
from tests.functional.helpers import sign_in


@pytest.fixture
def world(testapp, app_settings, app, db_engine, make_user, clock):
    """Venues, events, gates and a buyer (Ada Lovelace) on a clean database; mint tickets with world.mint()."""
    buyer = make_user("buyer@example.test", first_name="Ada", last_name="Lovelace")
    return build_world(db_engine, app.registry.settings, clock.now(), buyer)


@pytest.fixture
def agent_app(testapp, make_user):
    """The testapp signed in as an agent (Karim Diallo); returns (testapp, agent_id)."""
    agent_id = make_user("agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    sign_in(testapp, "agent@example.test")
    return testapp, agent_id


def _csrf_of(testapp):
    page = testapp.get("/gate/")
    desk = page.html.find(id="gate-desk")
    return desk["data-csrf"] if desk else page.html.find("input", attrs={"name": "csrf_token"})["value"]


@pytest.fixture
def csrf_of():
    """csrf_of(testapp): the session's CSRF token, read from the gate page."""
    return _csrf_of
