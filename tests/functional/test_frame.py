"""The page frame: language, cookie banner, errors."""


def test_anonymous_visit_sets_no_cookie(testapp):
    page = testapp.get("/")
    assert "Set-Cookie" not in page.headers
    assert "cookie-banner" in page
    assert 'href="/pages/legal-notice"' in page or "/pages/legal-notice" in page


def test_cookie_choice_is_remembered_and_can_be_changed(testapp):
    page = testapp.get("/")
    banner = [f for f in page.forms.values() if f.action.endswith("@@cookies")][0]
    response = banner.submit("choice", value="necessary")
    assert response.status_int == 303
    assert testapp.cookies["olympix_consent"] == "necessary"
    page = testapp.get("/")
    assert "cookie-banner" not in page
    settings = testapp.get("/@@cookies")
    assert "strictement nécessaires" in settings
    settings.forms[0].submit("choice", value="all")
    assert testapp.cookies["olympix_consent"] == "all"


def test_first_visit_follows_accept_language_then_the_choice(testapp):
    assert 'lang="en"' in testapp.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="fr"' in testapp.get("/", headers={"Accept-Language": "fr-FR"})
    assert 'lang="fr"' in testapp.get("/", headers={"Accept-Language": "de"})  # default
    testapp.get("/@@lang?l=en&next=/")
    assert 'lang="en"' in testapp.get("/", headers={"Accept-Language": "fr"})


def test_language_switch_never_redirects_off_site(testapp):
    for target in ("https://evil.test/", "//evil.test/", "/\\evil.test"):
        response = testapp.get("/@@lang", params={"l": "en", "next": target})
        assert response.location.startswith("http://localhost/")
        assert "evil" not in response.location


def test_not_found_is_a_page_in_the_language_and_json_for_the_api(testapp):
    page = testapp.get("/no-such-page", status=404)
    assert "Page introuvable" in page
    api = testapp.get("/api/no-such-thing", status=404)
    assert api.json["status"] == 404


def test_logout_needs_post_and_csrf(testapp, make_user):
    make_user("ada@example.test")
    from .helpers import sign_in

    sign_in(testapp, "ada@example.test")
    testapp.post("/account/@@logout", status=400)  # no CSRF token
    assert testapp.get("/account/").status_int == 200


def test_visitors_are_counted_once_a_day_and_only_with_consent(testapp, dbsession, clock):
    from sqlalchemy import func, select

    from olympix.models import Visit

    testapp.get("/")
    testapp.get("/", headers={"Cookie": "olympix_consent=necessary"})
    assert dbsession.scalar(select(func.count(Visit.id))) == 0
    testapp.set_cookie("olympix_consent", "all")
    testapp.get("/")
    testapp.get("/account/@@login")
    dbsession.rollback()
    assert dbsession.scalar(select(func.count(Visit.id))) == 1
    clock.advance(days=1)
    testapp.get("/")
    dbsession.rollback()
    assert dbsession.scalar(select(func.count(Visit.id))) == 2
