"""Gate fixtures: a world with tickets to scan, agents, signed-in clients."""
import pytest

from .world import build_world


@pytest.fixture
def world(testapp, app_settings, app, db_engine, make_user, clock):
    """Venues, events, gates and a buyer (Ada Lovelace) on a clean database; mint tickets with world.mint()."""
    buyer = make_user("buyer@example.test", first_name="Ada", last_name="Lovelace")
    return build_world(db_engine, app.registry.settings, clock.now(), buyer)


@pytest.fixture
def agent_app(testapp, make_user):
    """The testapp signed in as an agent (Karim Diallo); returns (testapp, agent_id)."""
    from tests.functional.helpers import sign_in

    agent_id = make_user("agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    sign_in(testapp, "agent@example.test")
    return testapp, agent_id


def csrf_of(testapp):
    page = testapp.get("/gate/")
    return page.html.find(id="gate-desk")["data-csrf"] if page.html.find(id="gate-desk") else \
        page.html.find("input", attrs={"name": "csrf_token"})["value"]
