"""The waiting room: 5,000 simulated arrivals before and after an opening (issue #11).

    .venv/bin/python bench/waiting_room.py                  # 5,000 arrivals, Redis if it answers
    .venv/bin/python bench/waiting_room.py --backend database --arrivals 2000

Drives the application's own admission function (``services.waiting_room.status``,
the code behind the queue page and ``@@queue.json``) on simulated time: no
sleeping, a fake clock moved from arrival to poll. Half the arrivals come in
the 30 minutes before the opening (uniformly), the rest in the 10 minutes
after; each waiting person polls every 20 s (the page's refresh) until
admitted, then holds seats for 1 to 5 minutes and leaves. Checks, and prints:

* the admission order among those who came before the opening is a draw
  (its rank correlation with the arrival order is near 0), and after the
  opening it is the arrival order (correlation 1);
* never more passes valid at once than ``olympix.queue.max_inside``;
* the admission rate the queue kept (per minute) against the one set;
* the cost of one poll, in process (µs, p50/p99): the queue's own work.

The queue is the real one: on the local Redis (127.0.0.1:6379, keys under a
prefix of this run, deleted at the end) or the database fallback (a SQLite
file in a temp folder, migrated by ``olympix db upgrade``). Bounded: at most
``--max-polls`` polls and ``--seconds`` of wall time.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _harness import REDIS_URL, log, machine, percentiles, table, write_json  # noqa: E402

from olympix.interfaces import IClock  # noqa: E402
from olympix.services import waiting_room  # noqa: E402
from olympix.services.clock import FakeClock  # noqa: E402
from olympix.services.shared_store import shared_store  # noqa: E402
from olympix.settings import DEFAULTS  # noqa: E402



def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arrivals", type=int, default=5000)
    p.add_argument("--rate", type=int, default=600, help="admissions a minute (default 600)")
    p.add_argument("--max-inside", type=int, default=6200,
                   help="olympix.queue.max_inside (default 6200: the rate of 600/min is not capped)")
    p.add_argument("--backend", choices=("auto", "redis", "database"), default="auto")
    p.add_argument("--max-polls", type=int, default=300_000)
    p.add_argument("--seconds", type=float, default=300.0, help="wall-time bound (default 300)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--json")
    return p.parse_args(argv)


class Request:
    """What services.waiting_room reads of a request: settings, clock, store, session, address."""

    def __init__(self, settings, clock, store, dbsession, session, address):
        self.registry = SimpleNamespace(settings=settings)
        self._clock, self.shared_store, self.dbsession = clock, store, dbsession
        self.session, self.client_ip = session, address

    def find_service(self, iface):
        assert iface is IClock
        return self._clock


def settings_for(args):
    settings = {k: v for k, v in DEFAULTS.items() if k.startswith("olympix.queue.")}
    settings = {k: int(v) for k, v in settings.items()}
    settings["olympix.queue.max_inside"] = args.max_inside
    settings["olympix.queue.places_per_address"] = 10**9
    settings["olympix.session_secret"] = secrets.token_urlsafe(32)
    return settings


def open_backend(args, tmp):
    """``(store, dbsession, name, closer)`` for the chosen back end."""
    if args.backend in ("auto", "redis"):
        prefix = f"olympix-bench-{os.getpid()}-{secrets.token_hex(3)}:"
        store = shared_store({"olympix.redis.url": REDIS_URL, "olympix.redis.prefix": prefix})
        try:
            store.client.ping()
        except Exception:  # noqa: BLE001
            if args.backend == "redis":
                raise SystemExit("Redis does not answer on 127.0.0.1:6379")
        else:
            def close():
                keys = list(store.client.scan_iter(match=prefix + "*", count=1000))
                if keys:
                    store.client.delete(*keys)
            return store, None, "redis", close
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from olympix.scripts.db import upgrade

    url = f"sqlite:///{os.path.join(tmp, 'queue.sqlite')}"
    upgrade(url)
    engine = create_engine(url)
    session = Session(engine)
    return None, session, "database (SQLite)", lambda: (session.close(), engine.dispose())


def spearman(xs, ys):
    n = len(xs)
    if n < 3:
        return None
    rank = lambda v: {x: i for i, x in enumerate(sorted(v))}  # noqa: E731
    rx, ry = rank(xs), rank(ys)
    d2 = sum((rx[x] - ry[y]) ** 2 for x, y in zip(xs, ys))
    return 1 - 6 * d2 / (n * (n * n - 1))


def main(argv=None):
    args = parse_args(argv)
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="olympix-bench-wr-")
    store, dbsession, backend_name, close = open_backend(args, tmp)
    try:
        return run(args, rng, store, dbsession, backend_name)
    finally:
        close()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, rng, store, dbsession, backend_name):
    settings = settings_for(args)
    opens = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
    clock = FakeClock(opens - timedelta(minutes=31))
    event = SimpleNamespace(onsale_at=opens, admission_rate=args.rate, sale_phase=None,
                            code=f"BENCH-{secrets.token_hex(3)}")
    window = timedelta(minutes=settings["olympix.queue.window_minutes"])
    early_n = args.arrivals // 2
    arrivals = sorted([(opens - window + timedelta(seconds=rng.uniform(0, window.total_seconds())), i)
                       for i in range(early_n)] +
                      [(opens + timedelta(seconds=rng.uniform(0, 600)), i) for i in range(early_n, args.arrivals)])
    people = {i: {"arrived": at, "session": {}, "admitted": None} for at, i in arrivals}
    # The agenda: (time, person); a person polls on arrival, then every 20 s until admitted.
    agenda = [(at, i) for at, i in arrivals]
    import heapq

    heapq.heapify(agenda)
    pass_minutes = settings["olympix.queue.pass_minutes"]
    sale = waiting_room.sale_of(Request(settings, clock, store, dbsession, {}, ""), event)
    admitted_order, inside, peak_inside, cost = [], [], 0, []
    polls, began = 0, time.monotonic()
    log(f"{args.arrivals} arrivals ({early_n} before the opening), {args.rate}/min, max inside "
        f"{args.max_inside}, queue on {backend_name}")
    while agenda and polls < args.max_polls and time.monotonic() - began < args.seconds:
        at, i = heapq.heappop(agenda)
        clock.set(at)
        person = people[i]
        request = Request(settings, clock, store, dbsession, person["session"], f"198.51.{i // 250}.{i % 250}")
        t = time.perf_counter()
        status = waiting_room.status(request, event, SimpleNamespace(id=i + 1))
        if dbsession is not None:
            dbsession.commit()
        cost.append(time.perf_counter() - t)
        polls += 1
        if status.admitted:
            person["admitted"] = at
            person["position"] = status.position
            admitted_order.append(i)
            # Inside from now until they leave (1-5 min) or the pass ends.
            leaves = at + timedelta(minutes=min(pass_minutes, rng.uniform(1, 5)))
            inside = [x for x in inside if x > at] + [leaves]
            peak_inside = max(peak_inside, len(inside))
        else:
            heapq.heappush(agenda, (at + timedelta(seconds=20), i))
        if polls % 5000 == 0:
            log(f"{polls} polls, {len(admitted_order)} admitted, simulated {clock.now():%H:%M:%S}")
    wall = time.monotonic() - began
    # The queue's order is the place each had when admitted (a person is
    # admitted at their next poll once the cursor passed their place).
    early = [i for i in admitted_order if i < early_n]
    late = [i for i in admitted_order if i >= early_n]
    early_corr = spearman([people[i]["arrived"] for i in early], [people[i]["position"] for i in early])
    late_corr = spearman([people[i]["arrived"] for i in late], [people[i]["position"] for i in late])
    early_first = not early or not late or max(people[i]["position"] for i in early) < min(
        people[i]["position"] for i in late)
    # Never ahead of the rate: place p is admitted no sooner than the rate allows (+ the burst).
    ahead_of_rate = max((people[i]["position"] - (sale.per_second * (people[i]["admitted"] - opens).total_seconds()
                                                  + sale.burst) for i in admitted_order), default=0)
    p = percentiles(cost)
    rows = [["arrivals / admitted", f"{args.arrivals} / {len(admitted_order)}"],
            ["polls (each a page or queue.json request)", polls],
            ["early arrivals: rank correlation admission ~ arrival",
             f"~0 (a draw: |r| < {3 / max(1, len(early) - 1) ** 0.5:.3f})", round(early_corr or 0, 3)],
            ["later arrivals: rank correlation admission ~ arrival", "1 (in order)", round(late_corr or 0, 3)],
            ["every early arrival placed before every later one", "yes", "yes" if early_first else "NO"],
            ["peak inside at once / max_inside", f"<= {args.max_inside}", peak_inside],
            [f"places admitted beyond rate x time + burst (rate {sale.per_minute:.0f}/min)", "<= 0",
             round(ahead_of_rate, 2)],
            ["one poll in process, µs p50 / p99", "", f"{p['p50'] and p['p50'] * 1000:.0f} / "
                                                         f"{p['p99'] and p['p99'] * 1000:.0f}"],
            ["wall time, s", "", round(wall, 1)]]
    print(f"\nwaiting room: {args.arrivals} simulated arrivals, queue on {backend_name}; "
          f"load average {machine()['loadavg']}")
    table("checks", ["figure", "expected", "measured"], [r if len(r) == 3 else [r[0], "", r[1]] for r in rows])
    write_json("waiting_room", {"bench": "waiting_room", "args": vars(args), "backend": backend_name,
                                "rows": rows, "poll_ms": p}, args.json)
    ok = (peak_inside <= args.max_inside and (late_corr is None or late_corr > 0.999) and early_first
          and ahead_of_rate <= 0 and (early_corr is None or abs(early_corr) < 3 / max(1, len(early) - 1) ** 0.5))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
