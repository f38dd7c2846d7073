"""The layout's pieces rendered once per process (views/fragments.py) never carry one visitor's page to another."""
from datetime import timedelta

import webtest

from olympix.views import fragments
from tests.factories import catalogue
from tests.functional.helpers import sign_in

PAGES = ("/", "/events", "/events?sport=athletics")


def client(app, host="localhost", lang="fr"):
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": host, "HTTP_ACCEPT_LANGUAGE": lang})


def test_a_signed_in_visitor_s_header_never_reaches_an_anonymous_one(app, testapp, dbsession, clock, make_user):
    event = catalogue.event(dbsession, clock.now() + timedelta(days=2))
    dbsession.commit()
    make_user("ada@example.test")
    signed = client(app)
    sign_in(signed, "ada@example.test")
    for path in PAGES + (f"/events/{event.slug}",):  # the pieces are first rendered for her
        page = signed.get(path)
        assert "Se déconnecter" in page.text and "csrf_token" in page.text, path
    assert app.registry.get(fragments.KEY), "the layout's pieces are kept"
    anonymous = client(app)
    for path in PAGES + (f"/events/{event.slug}",):
        page = anonymous.get(path)
        assert "Se déconnecter" not in page.text and "csrf_token" not in page.text, path
        assert "ada@example.test" not in page.text and "Réserver" in page.text, path
    for path in PAGES:  # and the other way round
        assert "Se déconnecter" in signed.get(path).text, path


def test_the_pieces_follow_the_language_the_address_and_the_page(app, testapp):
    french = client(app, "a.example.test").get("/events?city=Paris")
    english = client(app, "b.example.test", "en").get("/events")
    assert 'href="http://a.example.test/pages/faq"' in french.text and ">Mentions légales<" in french.text
    assert 'href="http://b.example.test/pages/faq"' in english.text and ">Legal notice<" in english.text
    assert "a.example.test" not in english.text
    # What carries the page's address is rendered for each page.
    assert "next=%2Fevents%3Fcity%3DParis" in french.text and "next=%2Fevents%22" not in french.text
    assert 'name="next" value="/events"' in english.text


def test_development_renders_every_time(app, testapp, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "pyramid.reload_templates", "true")
    app.registry.pop(fragments.KEY, None)
    testapp.get("/events")
    assert not app.registry.get(fragments.KEY)
