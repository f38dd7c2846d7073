"""The demo catalogue loads twice without duplicates and keeps a session open now."""
from datetime import timedelta

from sqlalchemy import func, select, update

from olympix.models import Event, Offer, Sport, Venue
from olympix.seed.schedule import DEMO_TODAY_CODE, load_sessions


def counts(dbsession):
    return {model.__name__: dbsession.scalar(select(func.count()).select_from(model))
            for model in (Sport, Venue, Event, Offer)}


def test_seed_twice_no_duplicates_and_today_stays_open(testapp, run_seed, dbsession, clock):
    run_seed()
    first = counts(dbsession)
    sessions = load_sessions()
    assert first["Event"] == len(sessions) >= 40 and first["Offer"] == 3 * len(sessions)
    assert first["Sport"] >= 15 and first["Venue"] >= 10
    assert set(dbsession.scalars(select(Event.state))) == {"published"}
    # someone bought 7 seats of today's session
    dbsession.execute(update(Event).where(Event.code == DEMO_TODAY_CODE)
                      .values(seats_left=Event.seats_left - 7))
    # ... and the capacities were changed since: the seed puts the shipped ones back
    dbsession.execute(update(Event).where(Event.code == DEMO_TODAY_CODE)
                      .values(capacity=Event.capacity + 100, seats_left=Event.seats_left + 100))
    dbsession.execute(update(Event).where(Event.code != DEMO_TODAY_CODE).values(capacity=50, seats_left=50))
    dbsession.commit()

    clock.advance(days=2, hours=5)
    run_seed()
    dbsession.expire_all()
    assert counts(dbsession) == first
    today = dbsession.scalar(select(Event).where(Event.code == DEMO_TODAY_CODE))
    assert today.starts_at <= clock.now() < today.ends_at
    assert today.capacity - today.seats_left == 7
    assert today.capacity == shipped[DEMO_TODAY_CODE]
    assert all(e.capacity == e.seats_left == shipped[e.code] for e in dbsession.scalars(select(Event)) if e.code != DEMO_TODAY_CODE)  # sold seats are kept sold
    later = dbsession.scalars(select(Event.starts_at).where(Event.code != DEMO_TODAY_CODE)).all()
    assert min(later) > clock.now() - timedelta(hours=1)
    # the page of today's session says it is on today
    page = testapp.get(f"/events/{today.slug}")
    assert page.status_int == 200 and "Session terminée" not in page


shipped = {s.code: s.capacity for s in load_sessions()}
