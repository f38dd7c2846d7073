"""The search page /events: filters alone and together, bad values, pages."""
import re

import pytest

TITLES = {
    "live": "Session du soir",
    "sprint": "Finale du 100 m hommes",
    "heats": "Séries du 400 m",
    "judo": "Finales par équipes mixtes",
    "draft": "Session secrète",
    "old": "Marathon passé",
}
IGNORED = "Certains filtres ont été ignorés"


def found(page):
    """Names of the sessions on the page, in the order shown."""
    text = page.text
    positions = sorted((text.find(title), name) for name, title in TITLES.items() if title in text)
    return [name for _pos, name in positions]


def cards(page):
    return len(re.findall(r'<article class="card">', page.text))


def test_visitor_sees_published_sessions_not_over_by_date(testapp, catalogue):
    page = testapp.get("/events")
    assert found(page) == ["live", "sprint", "heats", "judo"]
    assert "Sessions trouvées : 4" in page
    assert IGNORED not in page
    # each card: image, sport, venue, lowest price, seats-left hint, Book button to the event page
    assert "/static/img/sports/athletics.svg" in page
    assert "Stade de France, Saint-Denis" in page
    assert "45,00" in page and "à partir de" in page
    assert "Complet" in page and "Plus que 3 places" in page and "En vente" in page
    assert [a for a in page.html.select("a.btn")
            if a["href"] == "http://localhost/events/sprint" and "Réserver" in a.text]
    # the session that has started says so, and offers no booking
    live = next(card for card in page.html.select("article.card") if TITLES["live"] in card.text)
    assert "En cours : ventes closes" in live.text and "Réserver" not in live.text
    assert "En vente" not in live.text


def test_nav_has_events(testapp, catalogue):
    page = testapp.get("/")
    assert page.html.find("a", href="http://localhost/events", string="Épreuves")
    # the home page shows the next sessions
    assert "Prochaines sessions" in page and TITLES["sprint"] in page
    assert TITLES["live"] not in page  # started: no longer on sale


@pytest.mark.parametrize("query, expected", [
    ("sport=judo", ["judo"]),
    ("sport=athletics", ["live", "sprint"]),
    ("venue=aquatics-centre", ["heats"]),
    ("city=Paris", ["judo"]),
    ("city=Saint-Denis", ["live", "sprint", "heats"]),
    ("offer=family", ["live", "sprint", "heats"]),
    ("offer=solo", ["live", "sprint", "heats", "judo"]),
    ("max_price=30", ["heats"]),
    ("max_price=45,00", ["sprint", "heats"]),
    ("max_price=45.5", ["sprint", "heats"]),
    ("seats=1", ["sprint", "judo"]),  # "live" has started: no seat can be bought
    ("seats=on", ["sprint", "judo"]),
    ("q=finale", ["sprint", "judo"]),  # French title
    ("q=FINAL", ["sprint", "judo"]),  # English title, any case
    ("q=heats", ["heats"]),
    ("q=100%25", []),  # a literal "%" is not a wildcard
])
def test_each_filter_alone(testapp, catalogue, query, expected):
    page = testapp.get(f"/events?{query}")
    assert found(page) == expected
    assert IGNORED not in page


def test_date_filters(testapp, catalogue):
    day2, day5, day10 = catalogue[2].isoformat(), catalogue[5].isoformat(), catalogue[10].isoformat()
    assert found(testapp.get(f"/events?from={day2}&to={day2}")) == ["sprint"]
    assert found(testapp.get(f"/events?from={day5}")) == ["heats", "judo"]
    assert found(testapp.get(f"/events?to={day5}")) == ["live", "sprint", "heats"]
    assert found(testapp.get(f"/events?from={day2}&to={day10}")) == ["sprint", "heats", "judo"]


def test_filters_combined(testapp, catalogue):
    assert found(testapp.get("/events?sport=athletics&max_price=50&offer=solo&seats=1")) == ["sprint"]
    assert found(testapp.get("/events?city=Saint-Denis&seats=1&q=100")) == ["sprint"]
    assert found(testapp.get(f"/events?offer=family&seats=1&from={catalogue[2]}")) == ["sprint"]
    page = testapp.get(f"/events?sport=swimming&from={catalogue[2]}&to={catalogue[10]}&max_price=25&city=Saint-Denis")
    assert found(page) == ["heats"]
    # the form shows the filters back
    form = page.forms[0]
    assert form["sport"].value == "swimming" and form["city"].value == "Saint-Denis"
    assert form["from"].value == catalogue[2].isoformat()


def test_the_search_form_works_without_javascript(testapp, catalogue):
    form = testapp.get("/events").forms[0]
    assert form.method.lower() == "get"
    form["sport"] = "athletics"
    form["seats"] = True
    page = form.submit()
    assert "sport=athletics" in page.request.url and "seats=1" in page.request.url
    assert found(page) == ["sprint"]


@pytest.mark.parametrize("query, field", [
    ("sport=curling", "Sport"),
    ("from=2024-13-45", "Du"),
    ("to=not-a-date", "Au"),
    ("max_price=-5", "Prix maximum"),
    ("max_price=abc", "Prix maximum"),
    ("max_price=NaN", "Prix maximum"),
    ("offer=quintet", "Offre"),
    ("venue=atlantis", "Site"),
    ("city=Gotham", "Ville"),
    ("page=-1", "Page"),
    ("page=abc", "Page"),
    ("q=" + "x" * 10240, "Le titre contient"),
])
def test_bad_values_are_ignored_with_a_message(testapp, catalogue, query, field):
    page = testapp.get(f"/events?{query}", status=200)
    message = page.html.find(class_="flash-error").text
    assert IGNORED in message and field in message
    assert found(page) == ["live", "sprint", "heats", "judo"]  # the bad filter is dropped


def test_a_bad_value_does_not_drop_the_good_ones(testapp, catalogue):
    page = testapp.get("/events?sport=judo&from=2024-13-45&max_price=-1")
    assert found(page) == ["judo"]
    message = page.html.find(class_="flash-error").text
    assert "Du" in message and "Prix maximum" in message and "Sport" not in message
    assert page.forms[0]["from"].value == ""  # the bad value is not put back in the form


def test_end_date_before_start_is_ignored(testapp, catalogue):
    page = testapp.get(f"/events?from={catalogue[5]}&to={catalogue[2]}")
    assert found(page) == ["heats", "judo"]
    assert "Au" in page.html.find(class_="flash-error").text


def test_empty_result_says_so_and_suggests_removing_filters(testapp, catalogue):
    page = testapp.get("/events?q=curling")
    empty = page.html.find(class_="empty-state")
    assert "Aucune épreuve ne correspond" in empty.text and "retirer un filtre" in empty.text
    assert empty.find("a", href="http://localhost/events/")
    assert cards(page) == 0


def test_search_in_english(testapp, catalogue):
    page = testapp.get("/events?q=final", headers={"Accept-Language": "en"})
    text = page.html.text
    assert "Men's 100m final" in text and "Mixed team finals" in text
    assert "from <strong>€45.00</strong>" in page
    assert "Find an event" in page


def test_pagination_keeps_the_filters(testapp, run_seed):
    run_seed()  # 51 demo sessions, all published and to come
    page = testapp.get("/events")
    assert cards(page) == 12 and "page 1 sur 5" in page
    nav = page.html.find("nav", class_="pagination")
    assert nav.find("a", attrs={"aria-current": "page"}).text == "1"
    page = testapp.get("/events?page=5")
    assert cards(page) == 51 - 48
    last = testapp.get("/events?page=99").html.find("nav", class_="pagination")
    assert last.find("a", attrs={"aria-current": "page"}).text == "5"
    # sorted by date across pages
    first = [t["datetime"] for t in testapp.get("/events?page=1").html.select(".card time")]
    second = [t["datetime"] for t in testapp.get("/events?page=2").html.select(".card time")]
    assert first == sorted(first) and first[-1] <= second[0]
    # page links keep the filters, and only the valid ones
    page = testapp.get("/events?city=Paris&max_price=-1")
    assert "page 1 sur 3" in page  # 26 sessions in Paris
    next_link = page.html.find("a", rel="next")["href"]
    assert "city=Paris" in next_link and "page=2" in next_link and "max_price" not in next_link
    page = testapp.get(next_link)
    assert cards(page) == 12 and "page 2 sur 3" in page
