"""Public news (``/news``, ``/news/<slug>``): only published versions, in the person's language."""
from datetime import UTC, datetime, timedelta

from olympix.models import ContentItem, ContentText
from tests.functional.helpers import in_request, post_button, submit

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def write_news(testapp, slug, title_fr, title_en, body_fr=None, body_en=None):
    """Create a news item through the back-office form; returns its task page."""
    page = testapp.get("/backoffice/content/@@new?kind=news")
    return submit(page, slug=slug, title_fr=title_fr, title_en=title_en,
                  body_fr=body_fr or f"<p>{title_fr} : le détail.</p>",
                  body_en=body_en or f"<p>{title_en}: the details.</p>").follow()


def decide(testapp, task_path, action, **fields):
    """A manager approves or rejects one item from its task page."""
    task = testapp.get(task_path)
    csrf = task.html.select_one("input[name=csrf_token]")["value"]
    return testapp.post(task_path.rstrip("/") + f"/@@{action}", {"csrf_token": csrf, **fields})


def test_visitors_read_only_published_news(testapp, as_role):
    as_role("editor")
    paths = {}
    for slug, fr, en in (("gates-open", "Ouverture des portes", "Gates open"),
                         ("secret-draft", "Brouillon secret", "Secret draft"),
                         ("waiting", "En attente", "Waiting news"),
                         ("sent-back", "Renvoyée", "Sent back news"),
                         ("shuttles", "Navettes gratuites", "Free shuttles")):
        task = write_news(testapp, slug, fr, en)
        paths[slug] = task.request.path
        if slug != "secret-draft":
            post_button(testapp, task, "submit")
    as_role("manager")
    decide(testapp, paths["gates-open"], "approve")
    decide(testapp, paths["shuttles"], "approve")
    decide(testapp, paths["sent-back"], "reject", note="Trop court.")

    # a published item edited and submitted again: the public keeps the published text
    as_role("editor")
    edit = testapp.get(paths["shuttles"].rstrip("/") + "/@@edit")
    task = submit(edit, title_fr="Navettes payantes", body_fr="<p>Plus gratuites.</p>").follow()
    post_button(testapp, task, "submit")

    testapp.reset()
    french = testapp.get("/news")
    assert "Ouverture des portes" in french and "Navettes gratuites" in french
    for hidden in ("Brouillon secret", "En attente", "Renvoyée", "Navettes payantes", "Plus gratuites"):
        assert hidden not in french
    titles = [h.text.strip() for h in french.html.select("article h2")]
    assert titles == ["Navettes gratuites", "Ouverture des portes"]  # newest first
    english = testapp.get("/news", extra_environ=EN)
    assert "Gates open" in english and "Free shuttles" in english and "Ouverture" not in english
    assert "Secret draft" not in english and "Waiting news" not in english

    item = testapp.get("/news/shuttles")
    assert "Navettes gratuites : le détail." in item and "Plus gratuites" not in item
    assert "Free shuttles: the details." in testapp.get("/news/shuttles", extra_environ=EN)
    for slug in ("secret-draft", "waiting", "sent-back", "nothing-here", "x" * 5000):
        testapp.get(f"/news/{slug}", status=404)


def test_news_is_in_the_navigation_and_says_when_empty(testapp):
    home = testapp.get("/news")
    assert "Aucune actualité publiée" in home
    link = home.html.select_one('.site-nav a[href$="/news"]')
    assert link is not None and link.text.strip() == "Actualités"
    assert link.get("aria-current") == "page"
    assert "News" in testapp.get("/news", extra_environ=EN).html.select_one('.site-nav a[href$="/news"]').text


def test_news_is_paginated_by_ten(app, testapp):
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def add(request):
        for n in range(1, 24):
            at = base + timedelta(days=n)
            item = ContentItem(kind="news", slug=f"news-{n:02d}", state="published", position=0,
                               created_at=at, updated_at=at, published_at=at)
            for lang in ("fr", "en"):
                item.texts.append(ContentText(lang=lang, stage="published", title=f"Nouvelle {n:02d} {lang}",
                                              body="<p>Texte.</p>"))
            request.dbsession.add(item)

    in_request(app, add)
    first = testapp.get("/news")
    titles = [h.text.strip() for h in first.html.select("article h2")]
    assert titles == [f"Nouvelle {n:02d} fr" for n in range(23, 13, -1)]
    assert first.html.select_one(".pagination a[rel=next]")["href"].endswith("/news?page=2")
    last = testapp.get("/news?page=3")
    assert [h.text.strip() for h in last.html.select("article h2")] == [
        "Nouvelle 03 fr", "Nouvelle 02 fr", "Nouvelle 01 fr"]
    # bad page numbers are clamped, never a 500
    assert "Nouvelle 01 fr" in testapp.get("/news?page=99")
    assert "Nouvelle 23 fr" in testapp.get("/news?page=abc")
    assert "Nouvelle 23 fr" in testapp.get("/news?page=-4")
