"""The phone ticket's rotating QR in headless Chromium (issue #12.1).

The QR is read back from screenshots with zxing-cpp: it changes within 35
seconds without a reload; the first code, scanned 2 minutes later (the test
clock), is refused as stale; the one the page shows then is admitted.
"""
import io
import time

import pytest

from tests.browser.test_gate_page import CHROMIUM_ARGS, browser, server, world  # noqa: F401 (fixtures)
from tests.browser.waiting import wait_for

pytestmark = pytest.mark.browser


def read_qr(page):
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pytest.importorskip("PIL.Image").open(io.BytesIO(page.locator("#ticket-qr").screenshot()))
    found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, f"no QR read from the page ({found})"
    return found[0]


def scan(server_url, context, code, gate):
    """What a gate device would get for ``code``: the agent's JSON API, through the browser's session."""
    page = context.new_page()
    page.goto(server_url + "/gate/")
    token = page.locator("#gate-desk").get_attribute("data-csrf")
    answer = page.request.post(server_url + "/api/gate/scans", data={"code": code, "gate": gate},
                               headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
    page.close()
    return answer.json()


def sign_in(page, server_url, email, next_path):
    page.goto(server_url + f"/account/@@login?next={next_path}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + next_path)


def test_the_qr_rotates_and_a_screenshot_goes_stale(server, world, browser, clock):  # noqa: F811
    ticket_id, serial, printed = world.mint(attendee=("Marie", "Dupont"))
    holder = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    phone = holder.new_page()
    sign_in(phone, server, "buyer@example.test", f"/tickets/{ticket_id}/")
    wait_for(phone, "document.getElementById('ticket-live').dataset.code")
    first = read_qr(phone)
    assert first.startswith("OT") and first != printed
    clock_text = phone.locator("#ticket-clock").inner_text()
    deadline = time.monotonic() + 35
    second = first
    while second == first and time.monotonic() < deadline:  # bounded: 35 s at most
        phone.wait_for_timeout(1000)
        second = read_qr(phone)
    assert second != first, "the QR did not change within 35 seconds"
    assert phone.locator("#ticket-clock").inner_text() != clock_text  # the clock moves
    phone.close()

    agent = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-FR")
    desk = agent.new_page()
    sign_in(desk, server, "agent@example.test", "/gate/")
    desk.select_option("#gate-select", str(world.gate_ids["a1"]))
    desk.click("button[type=submit].btn-lg")
    desk.wait_for_selector("#scan-code")

    clock.advance(minutes=2)
    stale = scan(server, agent, first, world.gates["a1"])
    assert (stale["verdict"], stale["reason"]) == ("deny", "stale_code")
    assert "capture d'écran" in stale["reason_text"]

    phone = holder.new_page()
    phone.goto(server + f"/tickets/{ticket_id}/")
    wait_for(phone, "document.getElementById('ticket-live').dataset.code")
    live = read_qr(phone)
    assert live not in (first, second)
    admitted = scan(server, agent, live, world.gates["a1"])
    assert (admitted["verdict"], admitted["ticket"]["serial"]) == ("admit", serial)
    holder.close()
    agent.close()
