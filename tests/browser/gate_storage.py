"""What the gate page keeps on the device (gate-store.js), read from the tests.

The journal and the bundle are in IndexedDB (``olympix-gate``); these read
them through the page, as the page itself would, and wait for the page's
own markers (``#gate-desk``'s ``data-bundle-stored`` once a downloaded
bundle is written down).
"""
import secrets
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from olympix.models import Ticket
from olympix.security import atrest
from tests.browser.waiting import wait_for

_READ = """async ([store, gate]) => {
    const db = await new Promise((ok, ko) => {
        const r = indexedDB.open('olympix-gate');
        r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
    });
    if (!db.objectStoreNames.contains(store)) { db.close(); return null; }
    const tx = db.transaction(store, 'readonly');
    const source = store === 'journal' ? tx.objectStore(store).index('gate') : tx.objectStore(store);
    const rows = await new Promise((ok, ko) => {
        const r = source.getAll(gate); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
    });
    db.close();
    return rows.map(row => store === 'journal'
        ? {nonce: row.nonce, code: row.code, at: row.at, verdict: row.verdict, reason: row.reason}
        : {generated_at: row.sealed.generated_at, chars: JSON.stringify(row.sealed).length});
}"""


def journal(page, gate):
    """The gate's journal in IndexedDB, as the page uploads it (None without the database)."""
    return page.evaluate(_READ, ["journal", gate])


def bundles(page, gate):
    """The bundle kept for the gate in IndexedDB: [] or [{generated_at, chars}] (None without the database)."""
    return page.evaluate(_READ, ["bundles", gate])


def _wait_quietly(page, expression, timeout):
    # Without the marker (the old page had none) give up quietly after the
    # timeout: the verdicts that follow then say what the page could do.
    try:
        wait_for(page, expression, timeout=timeout)
    except TimeoutError:
        pass


def wait_kept(page, timeout=30000):
    """Wait until the page has written a downloaded bundle to the device."""
    _wait_quietly(page, "document.getElementById('gate-desk').dataset.bundleStored", timeout)


def wait_loaded(page, timeout=30000):
    """Wait until the page has a bundle to judge with (downloaded or read from the device)."""
    _wait_quietly(page, "document.getElementById('gate-desk').dataset.bundleLoaded", timeout)


def block_api(context):
    """The server's gate API stops answering (the page itself still loads: a reload is possible)."""
    context.route("**/api/gate/**", lambda route: route.abort("internetdisconnected"))


def unblock_api(context):
    context.unroute("**/api/gate/**")


def crowd(world, count, event="today"):
    """``count`` more paid tickets for ``event`` of the world, inserted in bulk (a stadium's session).

    They share one sealed ticket key and their holder's name: enough to make
    the bundle as big as the real one (its entries are the same size), at a
    fraction of the cost of minting each.
    """
    keyring = world.data_keyring
    ticket_key = atrest.seal(keyring, atrest.new_key(), "ticket_key")
    serials = set()
    while len(serials) < count:
        serials.add(secrets.randbelow(2**48 - 1) + 1)
    base = dict(order_id=world.ids["order"], order_line_id=world.ids["line"], event_id=world.ids[event],
                owner_id=world.ids["buyer"], attendee_first_name="Camille", attendee_last_name="Spectatrice",
                ticket_key=ticket_key, state="paid", created_at=world.now - timedelta(days=1),
                state_changed_at=world.now - timedelta(days=1))
    rows = [dict(base, serial=serial) for serial in serials]
    with Session(world.engine) as s, s.begin():
        for start in range(0, len(rows), 5000):
            s.execute(insert(Ticket), rows[start:start + 5000])
