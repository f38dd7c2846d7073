"""The event page /events/<slug>: facts, offers and prices, in FR and EN; who sees it."""

from ..helpers import sign_in


def test_event_page_in_french(testapp, catalogue):
    page = testapp.get("/events/sprint")
    assert "Athlétisme – Finale du 100 m hommes" in page.html.find("h1").text
    facts = page.html.find("dl", class_="facts").text
    day = catalogue[2]
    assert "Athlétisme" in facts and "Stade de France" in facts
    assert "ZAC du Cornillon Nord, 93216 Saint-Denis" in facts
    assert f"{day.day} " in facts and "à 20:30" in facts  # Paris local time
    offers = page.html.find("table", class_="table-offers").text
    assert "Solo" in offers and "Duo" in offers and "Famille" in offers
    assert "45,00\u00a0€" in offers and "86,00\u00a0€" in offers and "160,00\u00a0€" in offers
    assert "Places restantes pour cette session : 100." in page
    assert "/static/img/sports/athletics.svg" in page


def test_event_page_in_english(testapp, catalogue):
    page = testapp.get("/events/sprint", headers={"Accept-Language": "en"})
    assert "Athletics – Men's 100m final" in page.html.find("h1").text
    assert "at 8:30\u202fPM" in page.html.find("dl", class_="facts").text
    offers = page.html.find("table", class_="table-offers").text
    assert "€45.00" in offers and "€160.00" in offers and "Family" in offers


def test_seats_left_hint_and_unavailable_offers(testapp, catalogue):
    page = testapp.get("/events/judo")
    assert "Plus que 3 places" in page and "90,00\u00a0€" in page
    assert "Duo" not in page.html.find("table", class_="table-offers").text  # only Solo offered
    page = testapp.get("/events/heats")
    assert "Complet" in page and "Toutes les places de cette session sont vendues." in page
    assert "Indisponible" in page


def test_ended_event_still_shows_but_says_it_is_over(testapp, catalogue):
    page = testapp.get("/events/old")
    assert "Session terminée" in page and "ne sont plus vendus" in page


def test_unknown_slug_is_404(testapp, catalogue):
    page = testapp.get("/events/no-such-session", status=404)
    assert "n'existe pas" in page or "existe plus" in page
    testapp.get("/events/" + "x" * 500, status=404)


def test_unpublished_event_is_for_staff_only(testapp, catalogue, make_user):
    # for visitors and buyers it does not exist: 404, not a sign-in page
    testapp.get("/events/draft", status=404)
    make_user("user@example.test")
    sign_in(testapp, "user@example.test")
    testapp.get("/events/draft", status=404)


def test_editor_sees_an_unpublished_event(testapp, catalogue, make_user):

    make_user("editor@example.test", role="editor")
    sign_in(testapp, "editor@example.test")
    page = testapp.get("/events/draft")
    assert "Session secrète" in page and "pas publiée" in page
    # still never listed in the search
    assert "Session secrète" not in testapp.get("/events")
