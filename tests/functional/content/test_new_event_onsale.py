"""The event form sets the waiting room's opening, rate and sale phase (issue 11.1)."""
from sqlalchemy import select

from olympix.i18n import PARIS
from olympix.models.catalogue import Event
from tests.functional.content.test_new_event import fields, fill, local, places  # noqa: F401 (fixture)


def test_the_event_form_sets_the_opening_rate_and_phase(testapp, as_role, places, clock, dbsession):  # noqa: F811
    as_role("editor")
    values = fields(places, clock, onsale_at=local(clock, 2, 10), admission_rate="900", sale_phase="fencing-1")
    task = fill(testapp.get("/backoffice/content/@@new-event"), values).follow()
    assert task.status_int == 200
    event = dbsession.scalar(select(Event))
    assert event.onsale_at.astimezone(PARIS).hour == 10
    assert (event.admission_rate, event.sale_phase) == (900, "fencing-1")


def test_bad_openings_are_form_errors(testapp, as_role, places, clock, dbsession):  # noqa: F811
    as_role("editor")
    for bad in ({"onsale_at": local(clock, 5, 10)},  # after the start
                {"admission_rate": "0"}, {"admission_rate": "abc"},
                {"sale_phase": "a b"}, {"sale_phase": "x" * 65}, {"onsale_at": "tomorrow"}):
        page = fill(testapp.get("/backoffice/content/@@new-event"), fields(places, clock, **bad))
        assert page.status_int == 200 and "invalid-feedback" in page.text, bad
    assert dbsession.scalar(select(Event)) is None


def test_without_an_opening_there_is_no_queue(testapp, as_role, places, clock, dbsession):  # noqa: F811
    as_role("editor")
    fill(testapp.get("/backoffice/content/@@new-event"), fields(places, clock)).follow()
    event = dbsession.scalar(select(Event))
    assert (event.onsale_at, event.admission_rate, event.sale_phase) == (None, None, None)
