"""Public pages and the FAQ: only published versions, in the person's language."""
from sqlalchemy import func, select

from olympix.models import ContentItem, ContentText
from olympix.seed import content
from tests.functional.helpers import in_request, new_page

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_legal_pages_in_french_and_english(testapp, seeded):
    for slug, fr, en in (("legal-notice", "Mentions légales", "Legal notice"),
                         ("terms-of-sale", "Conditions générales de vente", "Terms of sale"),
                         ("privacy", "Politique de confidentialité", "Privacy policy"),
                         ("cookies", "Politique cookies", "Cookie policy")):
        page = testapp.get(f"/pages/{slug}")
        assert f'<h1 class="page-title">{fr}</h1>' in page
        english = testapp.get(f"/pages/{slug}", extra_environ=EN)
        assert f'<h1 class="page-title">{en}</h1>' in english
    # the language switch (cookie) wins over the browser's language
    testapp.get("/@@lang?l=en&next=/pages/privacy")
    assert "Privacy policy" in testapp.get("/pages/privacy")


def test_faq_is_grouped_and_translated(testapp, seeded):
    page = testapp.get("/pages/faq")
    assert page.html.select("details.faq") and len(page.html.select("details.faq")) == 33
    assert "Accessibilité" in page and 'id="accessibility"' in page
    english = testapp.get("/pages/faq", extra_environ=EN)
    assert "How do I buy tickets?" in english and "Comment acheter" not in english


def test_unknown_and_unpublished_pages_are_404(testapp, seeded, as_role):
    testapp.get("/pages/nothing-here", status=404)
    testapp.get("/pages/" + "x" * 5000, status=404)
    as_role("editor")
    new_page(testapp, slug="secret-draft")
    testapp.reset()
    testapp.get("/pages/secret-draft", status=404)


def test_seed_twice_changes_nothing(app, testapp, seeded, dbsession):
    assert seeded == 37
    counts = (dbsession.scalar(select(func.count(ContentItem.id))),
              dbsession.scalar(select(func.count(ContentText.id))))
    assert in_request(app, content.seed) == 0
    assert counts == (dbsession.scalar(select(func.count(ContentItem.id))),
                      dbsession.scalar(select(func.count(ContentText.id))))
