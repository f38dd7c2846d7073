"""Editors create events in the back office; nothing is public until a manager approves."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from olympix.i18n import PARIS
from olympix.models import ContentItem
from olympix.models.catalogue import Event, Offer
from tests.factories import catalogue
from tests.functional.helpers import post_button, sign_in


@pytest.fixture
def places(dbsession):
    """A sport and a venue of 500 seats to hold new events."""
    sport = catalogue.sport(dbsession, "fencing", name_fr="Escrime", name_en="Fencing")
    venue = catalogue.venue(dbsession, "grand-palais", name_fr="Grand Palais", name_en="Grand Palais",
                            capacity=500)
    dbsession.commit()
    return sport.id, venue.id


def local(clock, days, hour):
    day = clock.now().astimezone(PARIS) + timedelta(days=days)
    return day.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def fields(places, clock, **changes):
    sport_id, venue_id = places
    values = {"sport_id": str(sport_id), "venue_id": str(venue_id),
              "title_fr": "Escrime : sabre, finale", "title_en": "Fencing: sabre final",
              "body_fr": "La finale du sabre.", "body_en": "The sabre final.",
              "starts_at": local(clock, 4, 14), "ends_at": local(clock, 4, 17),
              "image": "", "capacity": "300", "price_solo": "45", "price_duo": "86,50",
              "price_family": ""}
    values.update(changes)
    return values


def fill(page, values):
    form = page.forms["form"]
    for name, value in values.items():
        if name in ("sport_id", "venue_id", "image"):
            form[name].force_value(value)
        else:
            form[name] = value
    return form.submit("submit")


def test_a_new_event_is_public_only_once_approved(testapp, as_role, make_user, places, clock, dbsession):
    as_role("editor")
    task = fill(testapp.get("/backoffice/content/@@new-event"), fields(places, clock)).follow()
    assert "Brouillon" in task and "Escrime" in task
    event = dbsession.scalar(select(Event))
    assert event.state == "draft" and event.slug == "fencing-sabre-final"
    assert event.code.startswith("NEW-") and event.capacity == event.seats_left == 300
    assert event.image == "sports/fencing.svg"
    assert {(o.kind, o.price_cents) for o in event.offers} == {("solo", 4500), ("duo", 8650)}
    assert event.starts_at.astimezone(PARIS).hour == 14
    assert event.self_cancel is False  # buyers cancelling themselves: off unless ticked
    slug = event.slug
    post_button(testapp, task, "submit")

    testapp.reset()
    assert f"/events/{slug}" not in testapp.get("/events?q=sabre")
    testapp.get(f"/events/{slug}", status=404)
    make_user("buyer@example.test")
    sign_in(testapp, "buyer@example.test")
    assert f"/events/{slug}" not in testapp.get("/events?q=sabre")
    testapp.get(f"/events/{slug}", status=404)

    as_role("manager")
    queue = testapp.get("/backoffice/content/@@queue")
    assert "Grand Palais" in queue and "Escrime : sabre, finale" in queue
    post_button(testapp, queue, "approve").follow()
    dbsession.rollback()
    assert dbsession.scalar(select(Event.state)) == "published"

    testapp.reset()
    assert f"/events/{slug}" in testapp.get("/events?q=sabre")
    page = testapp.get(f"/events/{slug}")
    assert "La finale du sabre." in page and "Se connecter pour réserver" in page


def test_a_rejected_event_stays_a_draft_and_can_be_changed(testapp, as_role, places, clock, dbsession):
    as_role("editor")
    task = fill(testapp.get("/backoffice/content/@@new-event"), fields(places, clock)).follow()
    post_button(testapp, task, "submit")
    as_role("manager")
    queue = testapp.get("/backoffice/content/@@queue")
    form = next(f for f in queue.forms.values() if f.action.endswith("@@reject"))
    form["note"] = "Le prix Duo est trop élevé."
    form.submit()
    dbsession.rollback()
    assert dbsession.scalar(select(Event.state)) == "draft"
    item = dbsession.scalar(select(ContentItem))
    assert item.state == "rejected" and item.reviewer_note == "Le prix Duo est trop élevé."

    as_role("editor")
    edit = testapp.get(f"/backoffice/content/{item.id}/@@edit")
    assert edit.forms["form"]["price_duo"].value == "86.50"
    edit.forms["form"]["price_duo"] = "70"
    edit.forms["form"]["price_family"] = "120"
    edit.forms["form"].submit("submit").follow()
    dbsession.rollback()
    prices = dict(dbsession.execute(select(Offer.kind, Offer.price_cents)).all())
    assert prices == {"solo": 4500, "duo": 7000, "family": 12000}
    testapp.reset()
    testapp.get("/events/fencing-sabre-final", status=404)  # still a draft: not there for the public


def test_two_events_with_one_title_get_two_slugs_and_codes(testapp, as_role, places, clock, dbsession):
    as_role("editor")
    for _n in range(2):
        fill(testapp.get("/backoffice/content/@@new-event"), fields(places, clock)).follow()
    rows = dbsession.execute(select(Event.slug, Event.code).order_by(Event.id)).all()
    assert [r.slug for r in rows] == ["fencing-sabre-final", "fencing-sabre-final-2"]
    assert rows[0].code != rows[1].code


@pytest.mark.parametrize("changes,field", [
    ({"ends_at": "past"}, "ends_at"),
    ({"price_solo": "-5"}, "price_solo"),
    ({"price_solo": "", "price_duo": ""}, "price_solo"),
    ({"capacity": "0"}, "capacity"),
    ({"capacity": "501"}, "capacity"),
    ({"capacity": "100001"}, "capacity"),
    ({"sport_id": "99999999"}, "sport_id"),
    ({"venue_id": "abc"}, "venue_id"),
    ({"image": "../../etc/passwd"}, "image"),
    ({"title_en": "x" * 10000}, "title_en"),
    ({"starts_at": "2024-13-45T25:99"}, "starts_at"),
    ({"price_duo": "NaN"}, "price_duo"),
])
def test_bad_input_is_refused_and_creates_nothing(testapp, as_role, places, clock, dbsession,
                                                  changes, field):
    as_role("editor")
    values = fields(places, clock, **changes)
    if changes.get("ends_at") == "past":
        values["ends_at"] = local(clock, 4, 13)  # an hour before the start
    page = fill(testapp.get("/backoffice/content/@@new-event"), values)
    assert page.status_int == 200
    group = page.html.select_one(f"[name={field}]").find_parent(id=re.compile("^item-"))
    assert group.select(".invalid-feedback, .error"), f"no error shown on {field}"
    dbsession.rollback()
    assert dbsession.scalar(select(func.count(Event.id))) == 0
    assert dbsession.scalar(select(func.count(ContentItem.id))) == 0


def test_agents_users_and_visitors_cannot_reach_the_form(testapp, staff, make_user, places):
    assert testapp.get("/backoffice/content/@@new-event").status_int == 303  # to sign in
    make_user("user@example.test")
    for email in ("user@example.test", staff["agent"]):
        testapp.reset()
        sign_in(testapp, email)
        testapp.get("/backoffice/content/@@new-event", status=403)
        testapp.post("/backoffice/content/@@new-event", {"title_en": "x"}, status=403)


def test_the_event_form_lets_buyers_cancel_when_ticked(testapp, as_role, places, clock, dbsession):
    as_role("editor")
    page = testapp.get("/backoffice/content/@@new-event")
    page.forms["form"]["self_cancel"] = True
    fill(page, fields(places, clock)).follow()
    assert dbsession.scalar(select(Event.self_cancel)) is True
    item = dbsession.scalar(select(ContentItem))
    assert testapp.get(f"/backoffice/content/{item.id}/@@edit").forms["form"]["self_cancel"].checked
