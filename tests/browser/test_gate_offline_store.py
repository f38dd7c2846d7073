"""The gate page keeps a stadium's bundle and its journal on the device (issue #12.3).

A stadium session's bundle (80,000 tickets) is past localStorage's quota:
the page keeps it in IndexedDB, so a reload while the server does not answer
still admits "hors ligne"; the journal written before each verdict survives
the reload and syncs once; what the old page left in localStorage moves
over. "Offline" here is the server's gate API not answering (its requests
fail as a network error) plus the browser offline once the page is loaded:
without a service worker the page itself has to load to be reloaded.

Run with ``-s`` to see the verdict times measured in the page.
"""
import json
import secrets
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from olympix.models.gate import Scan
from tests.browser.gate_storage import (block_api, bundles, crowd, journal, unblock_api, wait_kept,
                                        wait_loaded)
from tests.browser.test_gate_offline import open_desk, scan_offline
from tests.browser.test_gate_page import browser, server, world  # noqa: F401 (fixtures)
from tests.browser.waiting import wait_for

pytestmark = pytest.mark.browser
STADIUM = 80_000
#: localStorage's quota in Chromium, in characters of key + value (5 MiB).
LOCAL_STORAGE_QUOTA = 5 * 1024 * 1024

_OVER_QUOTA = """async (gate) => {
    const db = await new Promise(ok => { const r = indexedDB.open('olympix-gate'); r.onsuccess = () => ok(r.result); });
    const row = await new Promise(ok => {
        const r = db.transaction('bundles').objectStore('bundles').get(gate); r.onsuccess = () => ok(r.result);
    });
    db.close();
    try { localStorage.setItem('olympix.test.probe', JSON.stringify(row.sealed)); }
    catch (e) { return true; }
    localStorage.removeItem('olympix.test.probe');
    return false;
}"""


def go_offline_and_reload(context, page):
    block_api(context)
    context.set_offline(False)  # the page itself loads; its API does not answer
    page.reload()
    page.wait_for_selector("#scan-code")
    context.set_offline(True)
    wait_loaded(page, timeout=15000)


def back_online(context, page):
    unblock_api(context)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")


def scans_of(dbsession, ticket_id):
    dbsession.rollback()
    return dbsession.scalars(select(Scan).where(Scan.ticket_id == ticket_id).order_by(Scan.at, Scan.id)).all()


def test_a_stadium_bundle_is_kept_across_a_reload_offline(server, world, browser):  # noqa: F811
    started = time.monotonic()
    crowd(world, STADIUM - 2)
    _id, _serial, code = world.mint(attendee=("Marie", "Dupont"))
    _id2, _serial2, other = world.mint(attendee=("Jean", "Martin"))
    context, page, gate = open_desk(browser, server, "agent@example.test", world.gate_ids["a1"], wait=False)
    wait_kept(page, timeout=60000)
    opened_online = page.locator("#gate-desk").get_attribute("data-bundle-open-ms")

    go_offline_and_reload(context, page)
    verdict = scan_offline(page, code)
    assert "verdict-admit" in verdict.get_attribute("class")
    assert verdict.get_attribute("data-offline") == "1" and "hors ligne" in verdict.inner_text()
    assert "Marie Dupont" in verdict.inner_text()
    times = [float(verdict.get_attribute("data-ms"))]
    journal_ms = [float(verdict.get_attribute("data-ms-journal"))]
    more = [(other, "verdict-admit")] + [(code, "verdict-deny"), ("OXA" + "Q" * 25 + "A", "verdict-deny")] * 4
    for scanned, word in more:
        verdict = scan_offline(page, scanned)
        assert word in verdict.get_attribute("class")
        times.append(float(verdict.get_attribute("data-ms")))
        journal_ms.append(float(verdict.get_attribute("data-ms-journal")))
    assert max(times) <= 50
    kept = bundles(page, gate)
    assert len(kept) == 1 and kept[0]["chars"] > LOCAL_STORAGE_QUOTA
    assert page.evaluate(_OVER_QUOTA, gate)  # the old page could not have kept it in localStorage
    print(f"\n{STADIUM} tickets, {kept[0]['chars'] / 1e6:.1f} M characters sealed; opened in "
          f"{opened_online} ms online, {page.locator('#gate-desk').get_attribute('data-bundle-open-ms')} ms "
          f"after the reload; {len(times)} verdicts: median {sorted(times)[len(times) // 2]} ms, "
          f"max {max(times)} ms; journal writes: median {sorted(journal_ms)[len(journal_ms) // 2]} ms, "
          f"max {max(journal_ms)} ms; {time.monotonic() - started:.0f} s in all")
    context.close()


def test_b_an_offline_journal_survives_a_reload_and_syncs_once(server, world, browser, dbsession):  # noqa: F811
    crowd(world, 30_000)  # past localStorage's quota too
    ticket_id, _serial, code = world.mint(attendee=("Marie", "Dupont"))
    context, page, gate = open_desk(browser, server, "agent@example.test", world.gate_ids["a1"], wait=False)
    wait_kept(page, timeout=60000)
    block_api(context)
    context.set_offline(True)
    verdict = scan_offline(page, code)
    assert "verdict-admit" in verdict.get_attribute("class") and verdict.get_attribute("data-offline") == "1"
    written = journal(page, gate)

    go_offline_and_reload(context, page)
    again = scan_offline(page, code)  # the page still knows what it let in
    assert "verdict-deny" in again.get_attribute("class") and "Déjà scanné" in again.inner_text()
    assert again.get_attribute("data-offline") == "1"
    assert [e["verdict"] for e in written] == ["admit"]  # written down before the verdict was shown
    after = journal(page, gate)
    assert after[0] == written[0] and [e["verdict"] for e in after] == ["admit", "deny"]
    assert scans_of(dbsession, ticket_id) == []

    back_online(context, page)
    wait_for(page, f"(async () => {{ const j = await ({_journal_js()})('{gate}'); return j === 0; }})()",
             timeout=20000)
    scans = scans_of(dbsession, ticket_id)
    assert [(s.verdict, s.offline) for s in scans] == [("admit", True), ("deny", True)]
    replay = page.evaluate("""async ([journal, gate]) => {
        const d = document.getElementById('gate-desk').dataset;
        const r = await fetch(d.syncUrl, {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': d.csrf},
            body: JSON.stringify({gate: gate, scans: journal})});
        return r.json();
    }""", [written, gate])
    assert (replay["applied"], replay["replayed"]) == (0, 1)
    assert len(scans_of(dbsession, ticket_id)) == 2
    context.close()


def old_entry(nonce, ago):
    """A refusal of a made-up code judged offline ``ago`` (a timedelta) before now, as the old page kept it."""
    return {"nonce": nonce, "code": "OXA" + "Q" * 25 + "A", "at": (datetime.now(timezone.utc) - ago).isoformat(),
            "verdict": "deny", "reason": "unknown_or_forged", "serial": None}


def desk_after_old_journal(browser, server, world, entries):  # noqa: F811
    """Gate A1's desk, opened once the old page left ``entries`` as its localStorage journal."""
    gate = world.gates["a1"]
    context, page, _gate = open_desk(browser, server, "agent@example.test", None)
    page.wait_for_selector("#gate-select")
    page.evaluate("([gate, entries]) => localStorage.setItem('olympix.gate.journal:' + gate, "
                  "JSON.stringify(entries))", [gate, entries])
    page.select_option("#gate-select", str(world.gate_ids["a1"]))
    page.click("button[type=submit].btn-lg")
    page.wait_for_selector("#scan-code")
    return context, page, gate


def _journal_js():
    return """async (gate) => {
        const db = await new Promise(ok => { const r = indexedDB.open('olympix-gate'); r.onsuccess = () => ok(r.result); });
        const n = await new Promise(ok => {
            const r = db.transaction('journal').objectStore('journal').index('gate').count(gate);
            r.onsuccess = () => ok(r.result);
        });
        db.close();
        return n;
    }"""


def test_c_an_old_localstorage_journal_is_moved_over_and_synced(server, world, browser, dbsession):  # noqa: F811
    old_id, old_serial, old_code = world.mint(attendee=("Marie", "Dupont"))
    new_id, _serial, new_code = world.mint(attendee=("Jean", "Martin"))
    gate = world.gates["a1"]
    context, page, _gate = open_desk(browser, server, "agent@example.test", None)
    page.wait_for_selector("#gate-select")  # the chooser: no gate script runs there
    # What the old page left: its bundle and an admission judged offline, not yet synced.
    entry = {"nonce": secrets.token_hex(12), "code": old_code, "verdict": "admit", "reason": "admitted",
             "serial": old_serial}
    page.evaluate("""async ([gate, entry]) => {
        const r = await fetch('/api/gate/bundle?gate=' + encodeURIComponent(gate), {credentials: 'same-origin'});
        localStorage.setItem('olympix.gate.bundle:' + gate, JSON.stringify(await r.json()));
        entry.at = new Date(Date.now() - 60000).toISOString();
        localStorage.setItem('olympix.gate.journal:' + gate, JSON.stringify([entry]));
    }""", [gate, entry])
    block_api(context)
    page.select_option("#gate-select", str(world.gate_ids["a1"]))
    page.click("button[type=submit].btn-lg")
    page.wait_for_selector("#scan-code")
    context.set_offline(True)
    wait_loaded(page, timeout=15000)
    moved = journal(page, gate)
    assert moved is not None and [e["nonce"] for e in moved] == [entry["nonce"]]
    assert page.evaluate(f"localStorage.getItem('olympix.gate.journal:{gate}')") is None
    assert page.evaluate(f"localStorage.getItem('olympix.gate.bundle:{gate}')") is None
    assert len(bundles(page, gate)) == 1

    verdict = scan_offline(page, new_code)  # judged with the bundle moved over
    assert "verdict-admit" in verdict.get_attribute("class") and verdict.get_attribute("data-offline") == "1"
    verdict = scan_offline(page, old_code)  # the old page's admission counts
    assert "verdict-deny" in verdict.get_attribute("class") and "Déjà scanné" in verdict.inner_text()

    back_online(context, page)
    wait_for(page, f"(async () => {{ const j = await ({_journal_js()})('{gate}'); return j === 0; }})()",
             timeout=20000)
    old_scans, new_scans = scans_of(dbsession, old_id), scans_of(dbsession, new_id)
    assert [(s.verdict, s.nonce) for s in old_scans][0] == ("admit", entry["nonce"])
    assert [s.verdict for s in old_scans] == ["admit", "deny"] and [s.verdict for s in new_scans] == ["admit"]
    assert page.evaluate(f"localStorage.getItem('olympix.gate.journal:{gate}')") is None
    context.close()


def test_d_a_journal_past_one_upload_syncs_in_batches(server, world, browser, dbsession):  # noqa: F811
    # 501 scans judged offline: more than one upload takes (500); the old
    # page sent them all at once and was refused every time.
    context, page, gate = desk_after_old_journal(browser, server, world, [
        old_entry(f"batch{i:06d}", timedelta(minutes=2)) for i in range(501)])
    deadline, nonces = time.monotonic() + 30, []
    while len(nonces) < 501 and time.monotonic() < deadline:
        time.sleep(0.5)
        dbsession.rollback()
        nonces = dbsession.scalars(select(Scan.nonce).where(Scan.nonce.like("batch%"))).all()
    assert len(nonces) == 501 == len(set(nonces))
    wait_for(page, f"(async () => {{ const j = await ({_journal_js()})('{gate}'); return j === 0; }})()",
             timeout=10000)
    assert page.evaluate(f"localStorage.getItem('olympix.gate.journal:{gate}')") is None
    context.close()


def test_e_without_indexeddb_the_page_says_so_and_still_works_offline(server, world, browser, dbsession):  # noqa: F811
    ticket_id, _serial, code = world.mint(attendee=("Marie", "Dupont"))
    context, page, _gate = open_desk(browser, server, "agent@example.test", None)
    context.add_init_script("Object.defineProperty(window, 'indexedDB', {value: undefined});")
    page.select_option("#gate-select", str(world.gate_ids["a1"]))
    page.click("button[type=submit].btn-lg")
    page.wait_for_selector("#scan-code")
    gate = page.locator("#gate-desk").get_attribute("data-gate")
    wait_kept(page, timeout=10000)
    note = page.locator("#gate-storage")
    assert note.is_visible() and "navigation privée" in note.inner_text()
    assert page.locator("#gate-desk").get_attribute("data-storage") == "local"  # a small bundle fits there

    block_api(context)
    context.set_offline(True)
    verdict = scan_offline(page, code)
    assert "verdict-admit" in verdict.get_attribute("class") and verdict.get_attribute("data-offline") == "1"
    saved = json.loads(page.evaluate(f"localStorage.getItem('olympix.gate.journal:{gate}')"))
    assert [e["verdict"] for e in saved] == ["admit"]
    back_online(context, page)
    wait_for(page, f"localStorage.getItem('olympix.gate.journal:{gate}') === '[]'", timeout=20000)
    assert [s.verdict for s in scans_of(dbsession, ticket_id)] == ["admit"]
    context.close()


def test_the_note_without_indexeddb_is_translated(server, world, browser):  # noqa: F811
    context, page, _gate = open_desk(browser, server, "agent@example.test", None)
    context.add_cookies([{"name": "olympix_lang", "value": "en", "url": server}])
    context.add_init_script("Object.defineProperty(window, 'indexedDB', {value: undefined});")
    page.select_option("#gate-select", str(world.gate_ids["a1"]))
    page.click("button[type=submit].btn-lg")
    note = page.locator("#gate-storage")
    note.wait_for(state="visible")
    assert "private browsing" in note.inner_text()
    context.close()


def test_a_bundle_indexeddb_refuses_is_said_on_the_page(server, world, browser):  # noqa: F811
    # Safari's private mode has IndexedDB with a tiny quota: the journal fits, a stadium's bundle does not.
    context, page, _gate = open_desk(browser, server, "agent@example.test", None)
    context.add_init_script("""(() => {
        const put = IDBObjectStore.prototype.put;
        IDBObjectStore.prototype.put = function (value, key) {
            if (this.name === 'bundles') { throw new DOMException('full', 'QuotaExceededError'); }
            return put.call(this, value, key);
        };
    })();""")
    page.select_option("#gate-select", str(world.gate_ids["a1"]))
    page.click("button[type=submit].btn-lg")
    page.locator("#gate-storage").wait_for(state="visible")
    assert page.locator("#gate-desk").get_attribute("data-storage") == "memory"
    context.close()


def _requests_to(page, path):
    """The bodies of the page's requests to ``path`` from now on (a list that grows)."""
    bodies = []
    page.on("request", lambda request: bodies.append(request.post_data or "") if path in request.url else None)
    return bodies


def _upload_round(page, bundles_asked):
    """Make the page refresh its bundle then upload its journal now, and let it finish."""
    asked = len(bundles_asked)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    deadline = time.monotonic() + 10
    while len(bundles_asked) == asked and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # the upload follows the bundle


def test_f_a_refused_scan_is_set_apart_and_the_others_synced(server, world, browser, dbsession):  # noqa: F811
    # One scan the server will not take (older than the sync accepts) among
    # good ones: before, the whole upload was refused (400) and not one scan
    # of the journal reached the server.
    context, page, gate = desk_after_old_journal(browser, server, world, [
        old_entry("good00000001", timedelta(minutes=2)), old_entry("refused000001", timedelta(days=8)),
        old_entry("good00000002", timedelta(minutes=1))])
    uploads, bundles_asked = _requests_to(page, "/api/gate/sync"), _requests_to(page, "/api/gate/bundle")
    note = wait_for(page, "(n => !n.hidden && n.textContent)(document.getElementById('gate-sync-refused'))",
                    timeout=15000)
    assert "Le serveur a refusé les scans hors ligne de cette porte (1 en attente)" in note, note
    assert "Prévenez votre responsable." in note and "trop éloignée de maintenant" in note, note
    wait_for(page, f"(async () => (await ({_journal_js()})('{gate}')) === 1)()", timeout=10000)
    dbsession.rollback()
    assert sorted(dbsession.scalars(select(Scan.nonce))) == ["good00000001", "good00000002"]

    # Set apart: the next uploads do not send it again.
    uploads.clear()
    _upload_round(page, bundles_asked)
    assert not any("refused000001" in body for body in uploads), uploads

    # Reloaded without the server: the page still says so, from the device.
    block_api(context)
    page.reload()
    page.wait_for_selector("#scan-code")
    note = wait_for(page, "(n => !n.hidden && n.textContent)(document.getElementById('gate-sync-refused'))",
                    timeout=15000)
    assert "(1 en attente)" in note and "trop éloignée de maintenant" in note, note
    # Back: the reloaded page sends it once more (a supervisor may have set
    # the clock right), then sets it apart again.
    uploads.clear()
    unblock_api(context)
    _upload_round(page, bundles_asked)
    _upload_round(page, bundles_asked)
    assert sum("refused000001" in body for body in uploads) == 1, uploads
    assert page.evaluate(f"({_journal_js()})('{gate}')") == 1  # still on the device
    assert not page.locator("#gate-sync-refused").is_hidden()
    dbsession.rollback()
    assert dbsession.scalars(select(Scan.nonce).where(Scan.nonce == "refused000001")).all() == []
    context.close()
