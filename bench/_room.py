"""The surge behind the waiting room (issue #11): ``surge.py --waiting-room``.

Each level's buyers buy **once** with an account of their own (a pass lets
an account straight back in for ``pass_minutes``, so a looping buyer would
skip the queue): every account is signed in before the clock runs (argon2
at its configured cost), then each purchase takes the next one, polls
``@@queue.json`` until admitted (the step "waiting_room"), and buys
through the whole flow, book form included. Each level sells an event of
its own, opened with ``olympix onsale`` just before its loop starts, at
one admission rate for every level: the queue, not the number of buyers,
sets the pace, so 128 buyers should sell as fast as 32.
"""
from __future__ import annotations

import json
import math
import subprocess
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import _flows
from _harness import REPO, Client, FlowError, Sample, bin_path, closed_loop, log

PARIS = ZoneInfo("Europe/Paris")
BURST_SECONDS = 10  # services/waiting_room.py: the cursor may run this far ahead of an empty queue
MIN_POLL, MAX_POLL = 0.25, 3.0  # seconds between two polls of a waiting buyer


class AccountPool:
    """Signed-in clients, each used for one purchase."""

    def __init__(self, clients):
        self._clients = list(clients)
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._clients)

    def take(self):
        with self._lock:
            return self._clients.pop() if self._clients else None


def accounts_for(buyers, per_minute, seconds):
    """Enough accounts for a level: every buyer in flight, and what the queue admits during the loop."""
    return buyers + math.ceil(per_minute / 60 * (seconds + BURST_SECONDS)) + 8


def open_sale(app, code, per_minute, opens_in=1.0):
    """``olympix onsale`` on the event: opening ``opens_in`` seconds from now (Paris time), at ``per_minute``."""
    opening = datetime.now(PARIS) + timedelta(seconds=opens_in)
    subprocess.run([bin_path("olympix"), "onsale", app.admin_ini, "--event", code,
                    "--at", opening.replace(tzinfo=None).isoformat(timespec="seconds"),
                    "--rate", str(int(per_minute))], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # The command's time has a whole second: wait until the sale is open.
    time.sleep(max(0.0, (opening.replace(microsecond=0) + timedelta(seconds=1) - datetime.now(PARIS))
                   .total_seconds()))


def wait_for_admission(client, base, slug, give_up_at):
    """Poll ``@@queue.json`` until admitted (the pass is then in this client's session); returns the polls."""
    polls = 0
    while True:
        status, _h, body = client.get(f"{base}/events/{slug}/@@queue.json")
        polls += 1
        if status != 200:
            raise FlowError(f"queue.json: HTTP {status}")
        answer = json.loads(body)
        if answer.get("admitted"):
            return polls
        if answer.get("refused"):
            raise FlowError("queue.json: place refused")
        if time.monotonic() >= give_up_at:
            raise FlowError("not admitted before the loop's hard stop")
        wait = float(answer.get("estimated_wait_s") or 0)
        time.sleep(min(MAX_POLL, max(MIN_POLL, wait / 4)))


def room_purchase_loop(app, pool, event, n, seconds, mix):
    """``n`` buyers at once behind the room; each iteration one fresh account, one purchase."""
    give_up_at = time.monotonic() + seconds + 110  # inside closed_loop's hard stop

    def iteration(w, i):
        client = pool.take()
        if client is None:
            return Sample(False, "no account left")
        kind, seats = mix[(w + i) % len(mix)]
        timer = _flows.Timer()
        began = time.perf_counter()
        polls = timer.step("waiting_room", wait_for_admission, client, app.base, event["slug"], give_up_at)
        sample = _flows.purchase(client, app.base, event["slug"], None, event["offers"][kind], seats, timer=timer)
        sample.steps["total_with_wait"] = time.perf_counter() - began
        sample.kind = f"polls:{polls}"
        return sample

    return closed_loop(f"purchase behind the room ({n} buyers)", n, iteration, len(pool), seconds,
                       setup=lambda w: w)


def sign_in_pool(app, users, password, threads=8):
    """A signed-in Client for each (id, email); raises if any sign-in fails."""
    clients, errors = [], []
    todo = iter(users)
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                user = next(todo, None)
            if user is None:
                return
            client = Client()
            try:
                _flows.sign_in(client, app.base, user[1], password)
                with lock:
                    clients.append(client)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))

    log(f"signing {len(users)} waiting-room accounts in (argon2 at its configured cost)")
    pool = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(900)
    if errors:
        raise RuntimeError(f"{len(errors)} sign-ins failed, e.g. {errors[0]}")
    return AccountPool(clients)


def polls_of(result):
    return [int(s.kind.split(":", 1)[1]) for s in result.ok if s.kind.startswith("polls:")]
