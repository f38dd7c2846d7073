"""Editors write and submit, managers approve or send back; the public sees only what is approved."""
import json
from datetime import timedelta

from sqlalchemy import select

from olympix.models import AuditEntry, ContentHistory, ContentItem
from olympix.models.catalogue import Event
from tests.factories import catalogue
from tests.functional.helpers import new_page, post_button, sign_in, submit


def test_nothing_public_until_a_manager_approves(testapp, as_role, dbsession):
    as_role("editor")
    task = new_page(testapp)
    assert "Brouillon" in task
    task = post_button(testapp, task, "submit").follow()
    assert "En attente de validation" in task
    testapp.reset()
    testapp.get("/pages/opening-hours", status=404)

    as_role("manager")
    queue = testapp.get("/backoffice/content/@@queue")
    assert "Horaires" in queue and "Ouvert de 9 h à 18 h." in queue.html.select_one(".diff-add").text
    post_button(testapp, queue, "approve").follow()
    testapp.reset()
    assert "Ouvert de 9 h à 18 h." in testapp.get("/pages/opening-hours")
    assert "Open 9am to 6pm." in testapp.get("/pages/opening-hours", extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "content.publish"))
    assert entry is not None and json.loads(entry.details)["slug"] == "opening-hours"


def test_a_pending_edit_never_shows_and_the_diff_says_what_changed(testapp, as_role, seeded):
    as_role("editor")
    page = testapp.get("/backoffice/content/")
    link = next(a for a in page.html.select("a") if a.text.strip() == "Mentions légales")
    task = testapp.get(link["href"])
    edit = testapp.get(task.request.path + "@@edit" if task.request.path.endswith("/")
                       else task.request.path + "/@@edit")
    form = edit.forms["form"]
    form["body_fr"] = form["body_fr"].value.replace("Olympix SAS", "Olympix SA")
    task = form.submit().follow()
    post_button(testapp, task, "submit")
    testapp.reset()
    public = testapp.get("/pages/legal-notice")
    assert "Olympix SAS" in public and "Olympix SA," not in public

    as_role("manager")
    queue = testapp.get("/backoffice/content/@@queue")
    removed = " ".join(p.text for p in queue.html.select(".diff-del"))
    added = " ".join(p.text for p in queue.html.select(".diff-add"))
    assert "Olympix SAS" in removed and "Olympix SA " in added


def test_editor_cannot_publish(testapp, as_role, dbsession):
    as_role("editor")
    task = post_button(testapp, new_page(testapp), "submit").follow()
    path = task.request.path.rstrip("/")
    csrf = task.html.select_one("input[name=csrf_token]")["value"]
    testapp.post(path + "/@@approve", {"csrf_token": csrf}, status=403)
    testapp.post(path + "/@@reject", {"csrf_token": csrf, "note": "no"}, status=403)
    testapp.get("/backoffice/content/@@queue", status=403)
    # and while pending, nobody edits it (what is reviewed is what is published)
    testapp.get(path + "/@@edit", status=403)
    assert dbsession.scalar(select(ContentItem.state)) == "pending"


def test_visitors_and_users_stay_out_of_the_back_office(testapp, make_user):
    assert testapp.get("/backoffice/content/").status_int == 303  # to sign in
    make_user("user@example.test")
    sign_in(testapp, "user@example.test")
    testapp.get("/backoffice/content/", status=403)
    testapp.get("/backoffice/people", status=403)


def test_reject_needs_a_note_and_keeps_history(testapp, as_role, dbsession):
    as_role("editor")
    post_button(testapp, new_page(testapp), "submit")
    as_role("manager")
    queue = testapp.get("/backoffice/content/@@queue")
    form = next(f for f in queue.forms.values() if f.action.endswith("@@reject"))
    assert "Indiquez ce qu'il faut changer" in form.submit().follow().html.text  # empty note: refused
    assert dbsession.scalar(select(ContentItem.state)) == "pending"
    form["note"] = "Précisez le fuseau horaire."
    form.submit().follow()
    dbsession.rollback()
    item = dbsession.scalar(select(ContentItem))
    assert item.state == "rejected" and item.reviewer_note == "Précisez le fuseau horaire."
    audit = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "content.reject"))
    assert json.loads(audit.details)["note"] == "Précisez le fuseau horaire."

    as_role("editor")
    mine = testapp.get("/backoffice/content/")
    assert "Renvoyé" in mine and "Précisez le fuseau horaire." in mine
    task = testapp.get(f"/backoffice/content/{item.id}")
    post_button(testapp, task, "submit")
    as_role("manager")
    post_button(testapp, testapp.get("/backoffice/content/@@queue"), "approve")
    dbsession.rollback()
    history = dbsession.scalars(select(ContentHistory).order_by(ContentHistory.id)).all()
    assert [h.transition for h in history] == ["submit", "reject", "submit", "approve"]
    assert history[1].note == "Précisez le fuseau horaire." and history[1].actor_id is not None
    assert "Précisez le fuseau horaire." in testapp.get(f"/backoffice/content/{item.id}")


def test_event_texts_reach_the_event_only_when_approved(testapp, as_role, dbsession, clock):
    event = catalogue.event(dbsession, clock.now() + timedelta(days=3), hours=2, slug="judo-final",
                            sport_slug="judo", venue_slug="champ-de-mars-arena", title_fr="Judo : finale",
                            title_en="Judo: final", description_fr="Avant", description_en="Before",
                            capacity=100)
    dbsession.commit()
    as_role("editor")
    page = testapp.get(f"/backoffice/content/@@event?id={event.id}")
    task = submit(page, body_fr="Après", body_en="After").follow()
    post_button(testapp, task, "submit")
    dbsession.rollback()
    assert dbsession.scalar(select(Event.description_fr)) == "Avant"
    as_role("manager")
    post_button(testapp, testapp.get("/backoffice/content/@@queue"), "approve")
    dbsession.rollback()
    assert tuple(dbsession.execute(select(Event.description_fr, Event.description_en)).one()) == \
        ("Après", "After")


def test_scripts_are_removed_and_bad_input_is_no_500(testapp, as_role, dbsession):
    as_role("editor")
    task = new_page(testapp, body_fr='<p onclick="x()">Bonjour</p><script>alert(1)</script>')
    item = dbsession.scalar(select(ContentItem))
    assert "script" not in str([t.body for t in item.texts]) and "onclick" not in str([t.body for t in item.texts])
    page = testapp.get("/backoffice/content/@@new?kind=page")
    page = submit(page, slug="Not a slug!", title_fr="x" * 500, body_fr="y" * 70000, title_en="", body_en="z")
    assert page.status_int == 200 and page.html.select(".invalid-feedback, .error")
    testapp.get("/backoffice/content/@@new?kind=nope", status=404)
    testapp.get("/backoffice/content/99999999", status=404)
    testapp.get("/backoffice/content/@@event?id=abc", status=404)
    testapp.post("/backoffice/content/@@new?kind=page", {"slug": "a"}, status=400)  # no CSRF
    assert "Bonjour" in task and "alert(1)" not in task


HOSTILE_LINKS = ("javascript:alert(1)", "JaVaScRiPt:alert(2)", "&#106;avascript:alert(3)",
                 "data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==")


def test_hostile_links_are_stored_and_shown_without_their_address(testapp, as_role, dbsession):
    links = "".join(f'<li><a href="{href}">lien {n}</a></li>' for n, href in enumerate(HOSTILE_LINKS))
    body = f'<ul>{links}<li><a href="https://www.paris2024.org/">officiel</a></li></ul>'
    as_role("editor")
    task = new_page(testapp, slug="links", body_fr=body, body_en=body)
    stored = " ".join(t.body for t in dbsession.scalars(select(ContentItem)).one().texts)
    for word in ("javascript", "JaVaScRiPt", "&#106;", "data:", "alert"):
        assert word not in stored
    assert stored.count("<a>lien 0</a>") == 2 and 'href="https://www.paris2024.org/"' in stored
    post_button(testapp, task, "submit")
    as_role("manager")
    post_button(testapp, testapp.get("/backoffice/content/@@queue"), "approve")

    testapp.reset()
    public = testapp.get("/pages/links")
    anchors = public.html.select(".prose a")
    assert [a.text for a in anchors] == ["lien 0", "lien 1", "lien 2", "lien 3", "officiel"]
    assert [a.get("href") for a in anchors] == [None, None, None, None, "https://www.paris2024.org/"]
    assert "javascript" not in public.text.lower() and "data:text" not in public.text
