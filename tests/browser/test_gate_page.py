"""The gate page in headless Chromium, typed into as a keyboard-wedge scanner does.

Set OLYMPIX_SHOTS=/tmp/shots-gate to also save screenshots of the verdicts
at phone, tablet and desktop sizes.
"""
import os
import threading

import pytest
from waitress import create_server

from tests.conftest import clean_database, free_port
from tests.factories.gate import build_world
from tests.browser.waiting import wait_for

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SIZES = {"phone": (390, 844), "tablet": (1024, 768), "desktop": (1366, 900)}


@pytest.fixture
def server(app, db_engine):
    """The application from main() served by waitress on a free loopback port."""
    clean_database(db_engine)
    port = free_port()
    httpd = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.close()
    clean_database(db_engine)


@pytest.fixture
def world(server, app, db_engine, make_user, clock):
    """Tickets to scan, and an agent (agent@example.test) to sign in."""
    buyer = make_user("buyer@example.test", first_name="Ada", last_name="Lovelace")
    make_user("agent@example.test", role="agent", first_name="Karim", last_name="Diallo")
    return build_world(db_engine, app.registry.settings, clock.now(), buyer)


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("needs Debian's chromium")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def scan_like_a_wedge(page, code):
    # A wedge scanner types into whatever has the focus, then presses Enter.
    page.keyboard.type(code, delay=2)
    page.keyboard.press("Enter")


def shot(page, name):
    folder = os.environ.get("OLYMPIX_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


def test_agent_scans_with_a_keyboard_wedge(server, world, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-FR")
    page = context.new_page()
    page.goto(server + "/account/@@login?next=/gate/")
    page.fill("input[name=email]", "agent@example.test")
    page.fill("input[name=password]", "correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/gate/")
    page.select_option("#gate-select", str(world.gate_ids["a1"]))
    page.click("button[type=submit].btn-lg")
    page.wait_for_selector("#scan-code")
    assert page.evaluate("document.activeElement.id") == "scan-code"

    _id, _serial, code = world.mint(attendee=("Marie", "Dupont"))
    scan_like_a_wedge(page, code)
    verdict = page.locator("#gate-verdict")
    verdict.wait_for(state="visible")
    assert "verdict-admit" in verdict.get_attribute("class")
    assert "Marie Dupont" in verdict.inner_text() and "Ada Lovelace" in verdict.inner_text()
    assert page.evaluate("document.activeElement.id") == "scan-code"  # ready, no click
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"admit-{name}")
    page.set_viewport_size({"width": 1024, "height": 768})

    first_scan = verdict.get_attribute("data-scan")
    scan_like_a_wedge(page, code)
    wait_for(page, f"document.getElementById('gate-verdict').dataset.scan !== '{first_scan}'")
    assert "verdict-deny" in verdict.get_attribute("class")
    assert "Déjà scanné" in verdict.inner_text() and "Porte A" in verdict.inner_text()
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"deny-{name}")

    second_scan = verdict.get_attribute("data-scan")
    scan_like_a_wedge(page, "OXA" + "Q" * 25 + "A")
    wait_for(page, f"document.getElementById('gate-verdict').dataset.scan !== '{second_scan}'")
    assert "verdict-deny" in verdict.get_attribute("class")
    assert "inconnu ou falsifié" in verdict.inner_text()
    assert "Marie" not in verdict.inner_text()

    page.keyboard.press("Escape")
    verdict.wait_for(state="hidden")
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"desk-{name}")
    context.close()
