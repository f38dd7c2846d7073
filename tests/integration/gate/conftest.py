"""Gate integration fixtures: the world on the real MariaDB."""
import pytest

from tests.conftest import clean_database
from tests.factories.gate import build_world


@pytest.fixture
def world(mariadb, app, db_engine, make_user, clock):
    """Venues, events, gates, a buyer and an agent on a clean MariaDB database."""
    clean_database(db_engine)
    buyer = make_user("buyer@example.test", first_name="Ada", last_name="Lovelace")
    agent = make_user("agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    made = build_world(db_engine, app.registry.settings, clock.now(), buyer)
    made.ids["agent"] = agent
    yield made
    clean_database(db_engine)
