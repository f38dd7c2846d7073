"""Anonymous catalogue pages may be shared by a cache a few seconds; signed-in ones never (issue 11.2)."""
from datetime import timedelta

import pytest

from tests.factories import catalogue
from tests.functional.helpers import sign_in

PUBLIC = "public, max-age=5"


@pytest.fixture
def event(testapp, dbsession, clock):
    row = catalogue.event(dbsession, clock.now() + timedelta(days=2))
    dbsession.commit()
    return row


def paths(event):
    return ["/", "/events", "/events?sport=athletics&seats=1", f"/events/{event.slug}"]


def test_anonymous_catalogue_pages_are_public_for_a_few_seconds(testapp, event):
    for path in paths(event):
        response = testapp.get(path)
        assert response.headers["Cache-Control"] == PUBLIC, path
        assert set(response.headers["Vary"].replace(" ", "").split(",")) >= {"Cookie", "Accept-Language"}
        assert "Set-Cookie" not in response.headers, path
        assert "csrf_token" not in response.text, path  # nothing of one session in a shared page


def test_signed_in_pages_are_never_shared(testapp, event, make_user):
    make_user("ada@example.test")
    sign_in(testapp, "ada@example.test")
    for path in paths(event) + [f"/events/{event.slug}/@@book", "/account/"]:
        response = testapp.get(path)
        assert "public" not in response.headers.get("Cache-Control", ""), path
    for path in paths(event):  # every signed-in page is no-store (issue 15's headers, or ours)
        assert "no-store" in testapp.get(path).headers["Cache-Control"], path


def test_a_page_that_sets_a_cookie_is_not_shared(testapp, event):
    testapp.set_cookie("olympix_consent", "all")  # the visit counter sets the day's visitor cookie
    response = testapp.get("/events")
    assert "olympix_visitor" in response.headers.get("Set-Cookie", "")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert testapp.get("/events").headers["Cache-Control"] == PUBLIC  # counted today: shareable again


def test_other_pages_and_errors_are_left_alone(testapp, event):
    assert "public" not in testapp.get("/events/nope", status=404).headers.get("Cache-Control", "")
    assert "public" not in testapp.get("/account/@@login").headers.get("Cache-Control", "")
