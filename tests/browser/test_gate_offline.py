"""The offline journey on the gate page in headless Chromium (issue #12.3).

Two gates of one stadium, online, get their bundle; the browsers go offline;
each admits the same ticket "hors ligne" (a verdict in under 50 ms); back
online, both journals sync: one admission counted, one "double admission
hors ligne" naming both gates; a replayed upload changes nothing.
"""
import time

import pytest
from sqlalchemy import select

from olympix.models import Ticket
from olympix.models.gate import Scan
from tests.browser.test_gate_page import browser, scan_like_a_wedge, server, world  # noqa: F401 (fixtures)
from tests.browser.gate_storage import journal, wait_kept
from tests.browser.waiting import wait_for

pytestmark = pytest.mark.browser


def open_desk(browser, server_url, email, gate_id, wait=True):  # noqa: F811
    """Sign in as ``email`` and open gate ``gate_id``'s desk (None: stay on the chooser); (context, page, gate).

    ``wait``: until the page has written its first bundle to the device.
    """
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-FR")
    page = context.new_page()
    page.goto(server_url + "/account/@@login?next=/gate/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/gate/")
    if gate_id is None:
        return context, page, None
    page.select_option("#gate-select", str(gate_id))
    page.click("button[type=submit].btn-lg")
    page.wait_for_selector("#scan-code")
    gate = page.locator("#gate-desk").get_attribute("data-gate")
    if wait:
        wait_kept(page, timeout=10000)
    return context, page, gate


def scan_offline(page, code):
    verdict = page.locator("#gate-verdict")
    before = verdict.get_attribute("data-scan") or ""
    scan_like_a_wedge(page, code)
    wait_for(page, f"(document.getElementById('gate-verdict').dataset.scan || '') !== '{before}'")
    return verdict


def test_two_gates_offline_then_sync(server, world, browser, make_user, db_engine, dbsession):  # noqa: F811
    make_user("lina@example.test", role="agent", first_name="Lina", last_name="Martin")
    ticket_id, serial, code = world.mint(attendee=("Marie", "Dupont"))
    context_a, page_a, gate_a = open_desk(browser, server, "agent@example.test", world.gate_ids["a1"])
    context_b, page_b, gate_b = open_desk(browser, server, "lina@example.test", world.gate_ids["a2"])
    context_a.set_offline(True)
    context_b.set_offline(True)

    verdict = scan_offline(page_a, code)
    assert "verdict-admit" in verdict.get_attribute("class")
    assert verdict.get_attribute("data-offline") == "1" and "hors ligne" in verdict.inner_text()
    assert "Marie Dupont" in verdict.inner_text()
    assert float(verdict.get_attribute("data-ms")) <= 50
    again = scan_offline(page_a, code)  # the same gate remembers what it let in
    assert "verdict-deny" in again.get_attribute("class") and "Déjà scanné" in again.inner_text()
    other = scan_offline(page_b, code)
    assert "verdict-admit" in other.get_attribute("class") and other.get_attribute("data-offline") == "1"
    journal_b = journal(page_b, gate_b)
    assert len(journal_b) == 1
    # One scan waiting: said in the singular ("scan", not "scans").
    status = wait_for(page_b, "(t => t.includes('en attente') && t)(document.getElementById('gate-status')"
                              ".textContent)", timeout=10000)
    assert "(1 scan en attente d’envoi)" in status.replace("'", "’"), status

    for context, page, gate in ((context_a, page_a, gate_a), (context_b, page_b, gate_b)):
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        deadline = time.monotonic() + 15
        while journal(page, gate) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert journal(page, gate) == []

    dbsession.rollback()
    scans = dbsession.scalars(select(Scan).where(Scan.ticket_id == ticket_id).order_by(Scan.at, Scan.id)).all()
    admits = [s for s in scans if s.verdict == "admit"]
    doubles = [s for s in scans if s.reason == "double_offline"]
    assert len(admits) == 1 and len(doubles) == 1 and all(s.offline for s in scans)
    assert doubles[0].related_scan_id == admits[0].id
    assert {admits[0].gate.name, doubles[0].gate.name} == {"Porte A", "Porte B"}
    assert dbsession.get(Ticket, ticket_id).state == "scanned"

    count = len(scans)
    replay = page_b.evaluate("""async ([journal, gate]) => {
        const d = document.getElementById('gate-desk').dataset;
        const r = await fetch(d.syncUrl, {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': d.csrf},
            body: JSON.stringify({gate: gate, scans: journal})});
        return r.json();
    }""", [journal_b, gate_b])
    assert (replay["applied"], replay["replayed"]) == (0, 1)
    dbsession.rollback()
    assert len(dbsession.scalars(select(Scan).where(Scan.ticket_id == ticket_id)).all()) == count

    online = scan_offline(page_a, code)
    assert online.get_attribute("data-offline") == "" and "Déjà scanné" in online.inner_text()
    context_a.close()
    context_b.close()
