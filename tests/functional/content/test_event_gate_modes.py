"""The event form's gate settings (issue #12.2): phone-only entry, when tickets become visible."""
import re

import pytest
from sqlalchemy import func, select

from olympix.models import ContentItem
from olympix.models.catalogue import Event
from tests.functional.content.test_new_event import fields, fill, places  # noqa: F401 (fixture)


@pytest.mark.parametrize("role", ["editor", "manager"])
def test_phone_only_and_visibility_delay_are_set_and_shown_again(testapp, as_role, places, clock,  # noqa: F811
                                                                 dbsession, role):
    as_role(role)
    page = testapp.get("/backoffice/content/@@new-event")
    assert "Billet sur téléphone uniquement" in page.text
    form = page.forms["form"]
    form["phone_only"] = True
    task = fill(page, fields(places, clock, tickets_visible_before="6")).follow()
    assert task.status_int == 200
    event = dbsession.scalar(select(Event))
    assert event.phone_only is True and event.tickets_visible_before == 6
    item = dbsession.scalar(select(ContentItem))
    edit = testapp.get(f"/backoffice/content/{item.id}/@@edit")
    assert edit.forms["form"]["phone_only"].checked
    assert edit.forms["form"]["tickets_visible_before"].value == "6"
    edit.forms["form"]["phone_only"] = False
    edit.forms["form"]["tickets_visible_before"] = ""
    edit.forms["form"].submit("submit").follow()
    dbsession.rollback()
    event = dbsession.scalar(select(Event))
    assert event.phone_only is False and event.tickets_visible_before is None


@pytest.mark.parametrize("value", ["-1", "abc", "99999"])
def test_a_bad_delay_is_a_form_error(testapp, as_role, places, clock, dbsession, value):  # noqa: F811
    as_role("editor")
    page = fill(testapp.get("/backoffice/content/@@new-event"),
                fields(places, clock, tickets_visible_before=value))
    assert page.status_int == 200
    group = page.html.select_one("[name=tickets_visible_before]").find_parent(id=re.compile("^item-"))
    assert group.select(".invalid-feedback, .error")
    dbsession.rollback()
    assert dbsession.scalar(select(func.count(Event.id))) == 0
