"""The gate page without JavaScript: choose a gate, scan, read the verdict page."""
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from olympix.models import Venue
from tests.functional.helpers import sign_in, submit


@pytest.fixture
def desk(agent_app, world):
    """The agent's desk at gate A1 of the stadium; scan(code) returns the verdict page."""
    testapp, _agent = agent_app
    page = testapp.get("/gate/")
    assert "Choisissez votre porte" in page
    page = submit(page, 1, gate_id=str(world.gate_ids["a1"])).follow()
    assert "Porte A" in page and page.html.find(id="scan-code").has_attr("autofocus")

    def scan(code, form="scan-form"):
        return submit(testapp.get("/gate/"), form, code=code)

    return scan


def verdict(page):
    main = page.html.find("main")
    return (main["class"][0], main.find(class_="verdict-reason").text,
            main.find(class_="verdict-holder").text if main.find(class_="verdict-holder") else None)


def test_every_verdict_on_the_page(desk, world):
    code = world.mint(attendee=("Marie", "Dupont"))[2]
    page = desk(code)
    assert verdict(page) == ("verdict-admit", "Billet valable : laissez entrer le titulaire.", "Marie Dupont")
    assert "Acheté par Ada Lovelace" in page and "100 m finale" in page and "scanné" in page
    assert page.html.find(id="scan-code").has_attr("autofocus")  # ready for the next scan
    kind, reason, _holder = verdict(desk(code))
    assert kind == "verdict-deny" and reason.startswith("Déjà scanné à ") and "Porte A" in reason
    assert verdict(desk(world.mint(state="deactivated")[2]))[1].startswith("Billet désactivé")
    assert verdict(desk(world.mint(state="expired")[2]))[1].startswith("Billet expiré")
    assert verdict(desk(world.mint(event="elsewhere")[2]))[1].startswith("Non valable")
    assert verdict(desk("OXA" + "Q" * 25 + "A"))[1] == "Billet inconnu ou falsifié."
    assert verdict(desk("not a code"))[1].startswith("Code illisible")
    assert verdict(desk(""))[1].startswith("Code illisible")
    typed = world.mint()[2]
    assert verdict(desk(typed.lower(), form="manual-form"))[0] == "verdict-admit"


def test_history_lists_the_agents_scans(desk, world, agent_app):
    testapp, _agent = agent_app
    desk(world.mint(attendee=("Marie", "Dupont"))[2])
    desk("garbage")
    page = testapp.get("/gate/@@history")
    rows = page.html.find("tbody").find_all("tr")
    assert len(rows) == 2 and "Code illisible" in rows[0].text and "Marie Dupont" in rows[1].text


def test_choosing_an_event_narrows_the_desk(desk, world, agent_app):
    testapp, _agent = agent_app
    page = testapp.get("/gate/")
    submit(page, 3, event_id=str(world.ids["today"]))
    other = world.mint(event="other_today")[2]
    assert verdict(desk(other))[1].startswith("Non valable")


def test_gate_page_needs_an_agent(testapp, world):
    assert testapp.get("/gate/").status_int == 303  # sign in first
    sign_in(testapp, "buyer@example.test")
    assert testapp.get("/gate/", expect_errors=True).status_int == 403
    assert "/gate/" not in testapp.get("/").text  # no nav item


def test_nav_item_for_agents(agent_app):
    testapp, _agent = agent_app
    assert 'href="http://localhost/gate/"' in testapp.get("/").text


def test_ticket_history_is_in_the_venues_time_labelled(agent_app, world, db_engine, clock):
    testapp, _agent = agent_app
    with Session(db_engine) as s, s.begin():
        s.get(Venue, world.ids["venue_a"]).tz = "Pacific/Tahiti"
    _id, serial, _code = world.mint()
    page = submit(testapp.get("/gate/@@ticket", {"q": str(serial)}), reason="Lost, reissued").follow()
    [line] = [li.text for li in page.html.find_all("li") if "Lost, reissued" in li.text]
    at = clock.now().astimezone(ZoneInfo("Pacific/Tahiti"))
    assert line.startswith(f"{at:%d/%m/%Y %H:%M} (heure de Tahiti) — désactivé") and "UTC" not in page.text


def test_verdict_page_labels_the_start_with_the_zone(desk, world):
    page = desk(world.mint()[2])
    assert "(heure de Paris)" in page.html.find("main").text
