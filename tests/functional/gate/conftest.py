"""Gate fixtures: a world with tickets to scan, agents, signed-in clients."""
import pytest

from tests.factories.gate import build_world
# csrf_of is imported from here by tests/integration/cluster/test_kill_connection.py.
from tests.functional.helpers import csrf_of, sign_in  # noqa: F401


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
