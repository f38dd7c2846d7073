"""A published event's gate settings (issue #12.2) in its edit form: reviewed, then applied on approval."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from olympix.models import AuditEntry, ContentItem
from olympix.models.catalogue import Event
from tests.factories import catalogue
from tests.functional.helpers import post_button, submit


@pytest.fixture
def judo(dbsession, clock):
    """A published session in three days, with no content item yet (its texts never edited)."""
    event = catalogue.event(dbsession, clock.now() + timedelta(days=3), hours=2, slug="judo-final",
                            sport_slug="judo", venue_slug="champ-de-mars-arena", title_fr="Judo : finale",
                            title_en="Judo: final", description_fr="Avant", description_en="Before",
                            capacity=100)
    dbsession.commit()
    return event.id


def settings_of(dbsession, event_id):
    dbsession.rollback()
    event = dbsession.get(Event, event_id)
    return event.phone_only, event.tickets_visible_before


@pytest.mark.parametrize("role", ["editor", "manager"])
def test_a_change_waits_for_approval_then_reaches_the_event(testapp, as_role, dbsession, judo, role):
    as_role(role)
    page = testapp.get(f"/backoffice/content/@@event?id={judo}")
    form = page.forms["form"]
    assert not form["phone_only"].checked and form["tickets_visible_before"].value == ""
    assert "Billet sur téléphone uniquement" in page and "Billets visibles (heures avant le début)" in page
    task = submit(page, phone_only=True, tickets_visible_before="6").follow()
    post_button(testapp, task, "submit")
    # Submitted, not approved: the gate and the buyers still see the old settings.
    assert settings_of(dbsession, judo) == (False, None)

    as_role("manager")
    queue = testapp.get("/backoffice/content/@@queue")
    shown = " ".join(queue.html.select_one(".event-settings-diff").get_text(" ").split())
    assert "Billet sur téléphone uniquement non → oui" in shown
    assert "Billets visibles (heures avant le début) le délai du site (48 h) → 6 h" in shown
    post_button(testapp, queue, "approve")
    assert settings_of(dbsession, judo) == (True, 6)
    entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "content.publish"))
    assert json.loads(entry.details)["settings"] == {"phone_only": [False, True],
                                                     "tickets_visible_before": [None, 6]}

    # Once published, the item's edit form starts from the event's values; back to the defaults.
    as_role(role)
    item_id = dbsession.scalar(select(ContentItem.id))
    edit = testapp.get(f"/backoffice/content/{item_id}/@@edit")
    assert edit.forms["form"]["phone_only"].checked
    assert edit.forms["form"]["tickets_visible_before"].value == "6"
    task = submit(edit, phone_only=False, tickets_visible_before="").follow()
    task = testapp.get(task.request.url, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    shown = " ".join(task.html.select_one(".event-settings-diff").get_text(" ").split())
    assert "Phone ticket only yes → no" in shown and "6 h → the site's delay (48 h)" in shown
    post_button(testapp, task, "submit")
    assert settings_of(dbsession, judo) == (True, 6)
    as_role("manager")
    post_button(testapp, testapp.get("/backoffice/content/@@queue"), "approve")
    assert settings_of(dbsession, judo) == (False, None)


def test_texts_alone_change_no_setting(testapp, as_role, dbsession, judo):
    with dbsession.begin():
        dbsession.get(Event, judo).tickets_visible_before = 12
    as_role("editor")
    task = submit(testapp.get(f"/backoffice/content/@@event?id={judo}"), body_fr="Après").follow()
    assert not task.html.select(".event-settings-diff")
    post_button(testapp, task, "submit")
    as_role("manager")
    post_button(testapp, testapp.get("/backoffice/content/@@queue"), "approve")
    assert settings_of(dbsession, judo) == (False, 12)
    entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "content.publish"))
    assert "settings" not in json.loads(entry.details)


ERRORS = {  # what the form says, in French and in English
    "-1": ("Au moins 0 heure.", "At least 0 hours."),
    "99999": ("Au plus 60 jours.", "At most 60 days."),
    "1441": ("Au plus 60 jours.", "At most 60 days."),
    "abc": ("Un nombre entier d'heures", "A whole number of hours"),
    "1.5": ("Un nombre entier d'heures", "A whole number of hours"),
    "9" * 40: ("Au plus 60 jours.", "At most 60 days."),
}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("value", sorted(ERRORS), ids=lambda value: value if len(value) < 9 else "40-digits")
def test_a_bad_delay_is_a_form_error_and_changes_nothing(testapp, as_role, dbsession, judo, value, lang):
    as_role("manager")
    testapp.extra_environ["HTTP_ACCEPT_LANGUAGE"] = lang
    page = testapp.get(f"/backoffice/content/@@event?id={judo}")
    answer = submit(page, phone_only=True, tickets_visible_before=value)
    assert answer.status_int == 200
    group = answer.html.select_one("[name=tickets_visible_before]").find_parent(id=re.compile("^item-"))
    assert ERRORS[value][lang == "en"] in group.text
    assert settings_of(dbsession, judo) == (False, None)
    assert dbsession.scalar(select(func.count(ContentItem.id))) == 0

    # The same through the edit form of an item that exists: its working copy stays as it was.
    task = submit(page, phone_only=False, tickets_visible_before="6").follow()
    edit = testapp.get(task.request.path.rstrip("/") + "/@@edit")
    assert submit(edit, phone_only=True, tickets_visible_before=value).status_int == 200
    dbsession.rollback()
    item = dbsession.scalar(select(ContentItem))
    assert (item.phone_only, item.tickets_visible_before) == (False, 6)
