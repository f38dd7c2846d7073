"""The demo catalogue on a real MariaDB: loads twice, no duplicates, sold seats kept."""
import pytest
from pyramid.scripting import prepare
from sqlalchemy import func, select, update

from olympix.models import Event, Offer, Sport, Venue
from olympix.seed.catalogue import seed
from olympix.seed.schedule import DEMO_TODAY_CODE, load_sessions

pytestmark = pytest.mark.mariadb


def run_seed(app):
    env = prepare(registry=app.registry)
    try:
        with env["request"].tm:
            seed(env["request"])
    finally:
        env["closer"]()


def counts(session):
    return [session.scalar(select(func.count()).select_from(m)) for m in (Sport, Venue, Event, Offer)]


def test_seed_twice_on_mariadb(mariadb, testapp, app, dbsession, clock):
    run_seed(app)
    first = counts(dbsession)
    assert first[2] >= 40 and first[3] == 3 * first[2]
    dbsession.execute(update(Event).where(Event.code == DEMO_TODAY_CODE).values(seats_left=Event.seats_left - 5))
    # ... and the capacities were changed since: the seed puts the shipped ones back
    dbsession.execute(update(Event).where(Event.code == DEMO_TODAY_CODE)
                      .values(capacity=Event.capacity + 100, seats_left=Event.seats_left + 100))
    dbsession.execute(update(Event).where(Event.code != DEMO_TODAY_CODE).values(capacity=50, seats_left=50))
    dbsession.commit()
    clock.advance(hours=30)
    run_seed(app)
    dbsession.expire_all()
    assert counts(dbsession) == first
    today = dbsession.scalar(select(Event).where(Event.code == DEMO_TODAY_CODE))
    assert today.starts_at <= clock.now() < today.ends_at
    assert today.capacity - today.seats_left == 5
    assert today.capacity == shipped[DEMO_TODAY_CODE]
    assert all(e.capacity == e.seats_left == shipped[e.code] for e in dbsession.scalars(select(Event)) if e.code != DEMO_TODAY_CODE)


shipped = {s.code: s.capacity for s in load_sessions()}
