"""The surge: N buyers buying Solo/Duo/Family through the whole flow, against its baselines.

    .venv/bin/python bench/surge.py                      # 8, 32, 128 buyers, 6 s each, 1 round
    .venv/bin/python bench/surge.py --seconds 20 --rounds 3
    .venv/bin/python bench/surge.py --no-payments-pool   # notifications on the buyers' workers, as before
    .venv/bin/python bench/surge.py --waiting-room       # then each level again behind the waiting room

Starts its own private database, the sandbox provider, a mail sink,
olympix under gunicorn (2 sync workers) and the bare Pyramid baselines
under the same settings; signs every buyer in once (argon2 at its
configured cost), then, for each number of buyers, interleaved (app,
baselines, app, ...):

* purchase (app): the whole flow, 6 requests to olympix: book form, hold,
  order page, pay (checkout at the provider), the provider's hosted page
  and card form (which notifies olympix before it redirects), the signed
  return answering with the order page and its tickets (older trees
  redirect to it: 7 requests, the flow follows);
* purchase (bare): a bare Pyramid view doing the purchase's essential
  writes: conditional UPDATE; order, line, payment, ticket INSERTs; COMMIT;
* hold (app): the book form's POST alone (the hold step);
* hold (bare): a bare view doing the conditional UPDATE and the order INSERT;
* raw: the conditional UPDATE + COMMIT straight from the client (PyMySQL).

With ``--waiting-room``, each level runs again behind the waiting room
(bench/_room.py): an event of its own opened by ``olympix onsale`` at one
admission rate (``--room-rate``, default what the workers sold without the
room at the smallest level), every purchase a fresh signed-in account that
polls ``@@queue.json`` until admitted, then buys; the queue is on Redis
when it answers (as production keeps it).

Then a sell-out: 32 buyers on an event of a few dozen seats until it is
gone. At the end, per event: tickets sold = capacity - seats left (- seats
still held), nothing oversold, no paid order without all its tickets, and
whether the provider's notifications all arrived (none timed out).
Every loop is bounded by count and time; progress on stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pymysql  # noqa: E402

import _flows  # noqa: E402
import _room  # noqa: E402
import _world  # noqa: E402
from _harness import (MARIADB, REDIS_URL, Client, Run, Sample, closed_loop, common_arguments, cpu_of,  # noqa: E402
                      expect, int_list, log, machine, median, percentiles, ratio, table, write_json)
from _stack import Bare, Olympix  # noqa: E402

PASSWORD = "bench buyer password 2024"
MIX = (("solo", 1), ("duo", 2), ("family", 4))
RAW_MAX_CONNECTIONS = 32  # the MariaDB server is shared (max_connections 151): never more from here


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--buyers", type=int_list, default=[8, 32, 128], help="comma-separated (default 8,32,128)")
    p.add_argument("--seconds", type=float, default=6.0, help="time bound of each loop (default 6)")
    p.add_argument("--max-count", type=int, default=5000, help="count bound of each loop (default 5000)")
    p.add_argument("--sellout-capacity", type=int, default=60, help="seats of the sell-out event (0: skip)")
    p.add_argument("--waiting-room", action="store_true",
                   help="then the same levels behind the waiting room: fresh accounts, each buying once")
    p.add_argument("--room-rate", type=int, default=0,
                   help="admissions a minute behind the room (default: the purchases/s measured without it "
                        "at the smallest level, x 60)")
    p.add_argument("--no-payments-pool", action="store_true",
                   help="notifications on the buyers' workers, as before issue #11 (default: a pool of their own)")
    common_arguments(p)
    return p.parse_args(argv)


class Buyers:
    """One signed-in Client per buyer, made once and reused by every loop."""

    def __init__(self, app, users, book_slug):
        self.app, self.users = app, users
        self.clients = [None] * len(users)
        self.fields = [None] * len(users)
        self.book_slug = book_slug

    def sign_in_all(self, threads=8):
        log(f"signing {len(self.users)} buyers in (argon2 at its configured cost)")
        todo = iter(range(len(self.users)))
        lock = threading.Lock()
        errors = []

        def work():
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                client = Client()
                try:
                    _flows.sign_in(client, self.app.base, self.users[i][1], PASSWORD)
                    self.fields[i] = _flows.book_fields(client, self.app.base, self.book_slug)
                    self.clients[i] = client
                except Exception as exc:  # noqa: BLE001
                    errors.append(repr(exc))

        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(600)
        if errors:
            raise RuntimeError(f"{len(errors)} sign-ins failed, e.g. {errors[0]}")


def app_purchase_loop(app, buyers, event, n, args, label="purchase (app)", stop_when_sold_out=False):
    sold_out = threading.Event()

    def iteration(w, i):
        if stop_when_sold_out and sold_out.is_set():
            return Sample(False, "skipped")
        kind, seats = MIX[(w + i) % 3] if i >= 0 else MIX[w % 3]
        try:
            return _flows.purchase(buyers.clients[w], app.base, event["slug"], None, event["offers"][kind], seats)
        except _flows.SoldOut:
            if stop_when_sold_out:
                sold_out.set()
            return Sample(False, "sold_out")

    return closed_loop(label, n, iteration, args.max_count, args.seconds, setup=lambda w: w)


def app_hold_loop(app, buyers, event, n, args):
    def iteration(w, i):
        kind, seats = MIX[(w + i) % 3]
        timer = _flows.Timer()
        _flows.hold(buyers.clients[w], app.base, event["slug"], buyers.fields[w], event["offers"][kind], 1, timer)
        return Sample(True, "hold", timer.steps, units=seats)

    return closed_loop("hold (app)", n, iteration, args.max_count, args.seconds, setup=lambda w: w)


def bare_loop(bare, path, n, args, label):
    def iteration(client, i):
        seats = MIX[i % 3][1]
        began = time.perf_counter()
        status, _h, body = client.request("POST", f"{bare.base}/{path}?seats={seats}", body=b"")
        expect(status, 200, label, body)
        return Sample(True, path, {path: time.perf_counter() - began}, units=seats)

    return closed_loop(label, n, iteration, args.max_count, args.seconds, setup=lambda w: Client())


def raw_loop(db, event_id, n, args):
    threads = min(n, RAW_MAX_CONNECTIONS)

    def setup(w):
        return pymysql.connect(database=db, autocommit=False, **MARIADB)

    def iteration(conn, i):
        seats = MIX[i % 3][1]
        began = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute("UPDATE events SET seats_left = seats_left - %s WHERE id = %s AND seats_left >= %s",
                        (seats, event_id, seats))
        conn.commit()
        return Sample(True, "raw", {"raw": time.perf_counter() - began}, units=seats)

    result = closed_loop(f"raw UPDATE ({threads} connections)", threads, iteration, args.max_count * 4,
                         args.seconds, setup=setup)
    return result


def redis_settings(run):
    """The app's shared store on the machine's Redis under a prefix of this run, removed at the end;
    {} (the database fallback) when Redis does not answer."""
    import secrets

    import redis

    prefix = f"olympix-bench-{os.getpid()}-{secrets.token_hex(3)}:"
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        log("Redis does not answer on 127.0.0.1:6379: the waiting room runs on the database")
        return {}

    def remove():
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)

    run.callback(remove)
    return {"olympix.redis.url": REDIS_URL, "olympix.redis.prefix": prefix}


def room_levels(app, runs, levels, args):
    """Each level again behind the waiting room, at one admission rate (see bench/_room.py)."""
    if args.room_rate:
        per_minute = args.room_rate
    else:
        measured = median([x.rate() for x in runs[min(levels)]["flow"]])
        per_minute = max(30, round(measured * 60))  # what the workers sold without the room
    log(f"waiting room: {per_minute} admissions a minute at every level")
    big = 10_000_000
    out = {"per_minute": per_minute, "levels": {}}
    for n in levels:
        accounts = _room.accounts_for(n, per_minute, args.seconds)
        users = _world.make_users(app.admin_ini, f"room{n}-", accounts, PASSWORD)
        pool = _room.sign_in_pool(app, users, PASSWORD)
        event = _world.make_event(app.admin_ini, f"room{n}", big)
        app.settle()
        _room.open_sale(app, f"BEN-room{n}", per_minute)
        result = _room.room_purchase_loop(app, pool, event, n, args.seconds, MIX)
        app.settle()
        out["levels"][n] = {"event": event, "result": result, "accounts": accounts}
    return out


def report_room(room, by_n, report, target_rows):
    """The table behind the room, its targets, and its JSON."""
    rows = []
    for n, level in room["levels"].items():
        result = level["result"]
        steps = result.step_percentiles()
        wait, total = steps.get("waiting_room", {}), steps.get("total_with_wait", {})
        polls = _room.polls_of(result)
        bare = by_n[n][3] if n in by_n else None
        rows.append([n, result.rate(), result.units_rate(), bare, ratio(result.rate(), bare) if bare else "-",
                     wait.get("p50"), wait.get("p99"), total.get("p99"),
                     round(sum(polls) / len(polls), 1) if polls else "-", len(result.errors)])
        report.setdefault("waiting_room", {})[n] = summarise(result) | {"accounts": level["accounts"]}
    report["waiting_room_rate_per_minute"] = room["per_minute"]
    table(f"behind the waiting room ({room['per_minute']} admissions a minute, every buyer a fresh account, "
          f"queue on {report['queue_backend']})",
          ["buyers", "purchases/s", "tickets/s", "bare purchase/s", "ratio", "wait p50 ms", "wait p99 ms",
           "purchase+wait p99 ms", "polls each", "errors"], rows)
    rates = {row[0]: row[1] for row in rows}
    if 32 in rates and 128 in rates:
        target_rows.append(["purchases/s at 128 / at 32 buyers, behind the room", "> 1",
                            ratio(rates[128], rates[32])])
    target_rows.append(["purchases/s behind the room / admission rate", "~1 (the queue sets the pace)",
                        ", ".join(f"{n}: {r / (room['per_minute'] / 60):.2f}" for n, r in rates.items())])


def summarise(result):
    return {"label": result.label, "workers": result.workers, "seconds": round(result.seconds, 2),
            "done": len(result.ok), "rate": round(result.rate(), 2), "units_rate": round(result.units_rate(), 2),
            "errors": len(result.errors), "error_examples": result.errors[:3], "error_kinds": result.error_kinds(),
            "not_ok": sum(1 for s in result.samples if not s.ok),
            "cpu_ms_each": result.cpu_ms_each(),
            "steps": result.step_percentiles()}


def main(argv=None):
    args = parse_args(argv)
    levels = args.buyers
    report = {"bench": "surge", "args": vars(args), "machine_before": machine(), "levels": {}}
    with Run("surge", keep=args.keep) as run:
        # The provider is never the bottleneck (a real one scales out): a thread per buyer, and more.
        # Behind the room, the queue lives where production keeps it: on Redis (a prefix of this
        # run's own, removed at the end), else on the database.
        redis = redis_settings(run) if args.waiting_room else {}
        app = Olympix(run, pay_threads=max(64, 2 * max(levels) + 16),
                      payments_pool=not args.no_payments_pool, settings=redis).migrate()
        report["payments_pool"] = not args.no_payments_pool
        report["queue_backend"] = "redis" if redis else "database"
        users = _world.make_users(app.admin_ini, "buyer", max(levels), PASSWORD)
        big = 10_000_000
        events = {name: _world.make_event(app.admin_ini, name, big) for name in ("flow", "hold", "bare", "raw")}
        sellout = _world.make_event(app.admin_ini, "sellout", args.sellout_capacity) if args.sellout_capacity else None
        app.start()
        config = os.path.join(run.tmp, "bare.json")
        with open(config, "w") as fh:
            json.dump({"db": app.db, "event_id": events["bare"]["id"], "offer_id": events["bare"]["offers"]["solo"],
                       "user_id": users[0][0]}, fh)
        bare = Bare(run, env={"BENCH_CONFIG": config}).start()
        buyers = Buyers(app, users, events["flow"]["slug"])
        buyers.sign_in_all()
        # Warm both servers (templates, pools) before the clock runs.
        for w in range(2):
            app_purchase_loop(app, buyers, events["flow"], 2, argparse.Namespace(max_count=4, seconds=1),
                              label="warm-up")
        bare_loop(bare, "purchase", 2, argparse.Namespace(max_count=20, seconds=1), "warm-up bare")

        runs = {n: {k: [] for k in ("flow", "bare_purchase", "hold", "bare_hold", "raw")} for n in levels}

        def app_pids():
            """The buyers' workers and the notifications' (a purchase costs both)."""
            return app.workers_pids() + (app.notify_proc.children() if app.notify_proc else [])

        notes_before = app.notifications()
        for round_no in range(args.rounds):
            for n in levels:
                log(f"round {round_no + 1}/{args.rounds}, {n} buyers")
                runs[n]["flow"].append(cpu_of(app_pids(), lambda: app_purchase_loop(
                    app, buyers, events["flow"], n, args)))
                app.settle()
                runs[n]["bare_purchase"].append(cpu_of(bare.workers_pids(), lambda: bare_loop(
                    bare, "purchase", n, args, "purchase (bare)")))
                runs[n]["hold"].append(cpu_of(app_pids(), lambda: app_hold_loop(app, buyers, events["hold"], n, args)))
                app.settle()
                runs[n]["bare_hold"].append(cpu_of(bare.workers_pids(), lambda: bare_loop(
                    bare, "hold", n, args, "hold (bare)")))
                runs[n]["raw"].append(raw_loop(app.db, events["raw"]["id"], n, args))
        notes = app.notifications()
        room = room_levels(app, runs, levels, args) if args.waiting_room else None
        sellout_result = None
        if sellout:
            n = min(32, max(levels))
            log(f"sell-out: {n} buyers, {args.sellout_capacity} seats")
            sellout_result = app_purchase_loop(app, buyers, sellout, n,
                                               argparse.Namespace(max_count=args.sellout_capacity * 3,
                                                                  seconds=max(30.0, args.seconds)),
                                               label="sell-out", stop_when_sold_out=True)
        time.sleep(0.5)
        # The app's events (the bare views write no order lines for their holds).
        checks = {name: _world.sales_check(app.sql, events[name]["id"]) for name in ("flow", "hold")}
        for n, level in (room or {}).get("levels", {}).items():
            checks[f"room{n}"] = _world.sales_check(app.sql, level["event"]["id"])
        if sellout:
            checks["sellout"] = _world.sales_check(app.sql, sellout["id"])
        notes_all = app.notifications()
        report["machine_after"] = machine()

    # -- report ---------------------------------------------------------------
    rows, step_rows, cpu_rows = [], [], []
    for n in levels:
        r = runs[n]
        med = {k: median([x.rate() for x in r[k]]) for k in r}
        tickets = median([x.units_rate() for x in r["flow"]])
        errors = sum(len(x.errors) for k in r for x in r[k])
        rows.append([n, med["flow"], tickets, med["bare_purchase"], ratio(med["flow"], med["bare_purchase"]),
                     med["hold"], med["bare_hold"], ratio(med["hold"], med["bare_hold"]), med["raw"], errors])
        pooled = [s for x in r["flow"] for s in x.ok]
        steps = {}
        for s in pooled:
            for step, sec in s.steps.items():
                steps.setdefault(step, []).append(sec)
        for step, values in steps.items():
            p = percentiles(values)
            step_rows.append([n, step, p["p50"], p["p95"], p["p99"], p["n"]])
        holds = [s for x in r["hold"] for s in x.ok]
        p = percentiles([s.steps["hold"] for s in holds])
        step_rows.append([n, "hold (hold-only loop)", p["p50"], p["p95"], p["p99"], p["n"]])
        cpu = {k: median([x.cpu_ms_each() for x in r[k] if x.cpu_ms_each() is not None] or [0.0])
               for k in ("flow", "bare_purchase", "hold", "bare_hold")}
        cpu_rows.append([n, cpu["flow"], cpu["bare_purchase"], ratio(cpu["bare_purchase"], cpu["flow"]),
                         cpu["hold"], cpu["bare_hold"], ratio(cpu["bare_hold"], cpu["hold"])])
        report["levels"][n] = {k: [summarise(x) for x in r[k]] for k in r}
        report["levels"][n]["median_rates"] = med
    print(f"\nsurge: olympix under gunicorn (2 sync workers), MariaDB on 127.0.0.1, {args.rounds} round(s) "
          f"of {args.seconds:.0f} s per loop; medians of the rounds")
    print(f"load average before {report['machine_before']['loadavg']}, after {report['machine_after']['loadavg']}")
    table("rates (per second)", ["buyers", "purchases/s", "tickets/s", "bare purchase/s", "ratio",
                                 "holds/s", "bare holds/s", "ratio", "raw UPDATE/s", "errors"], rows)
    table("the workers' CPU per completed iteration, ms (user + system, MariaDB's own not counted): "
          "what a purchase costs the application whatever else the machine runs",
          ["buyers", "purchase", "bare purchase", "bare / app", "hold", "bare hold", "bare / app"], cpu_rows)
    table("latency of each step of the purchase, ms", ["buyers", "step", "p50", "p95", "p99", "n"], step_rows)
    check_rows = [[name, c["capacity"], c["seats_left"], c["held_seats"], c["tickets"],
                   "yes" if c["balanced"] else "NO", c["oversold"], c["paid_orders_without_all_tickets"]]
                  for name, c in checks.items()]
    table("at the end (per event)", ["event", "capacity", "seats left", "held", "tickets sold",
                                     "sold = capacity - left - held", "oversold", "paid orders missing tickets"],
          check_rows)
    timed_out = notes_all.get("timed_out", 0)
    table("provider notifications (whole run)", ["sent (2xx)", "HTTP error", "failed", "timed out"],
          [[notes_all.get("sent_2xx"), notes_all.get("http_error"), notes_all.get("failed"), timed_out]])
    by_n = {row[0]: row for row in rows}
    target_rows = []
    if 32 in by_n:
        target_rows.append(["purchases at 32 buyers / bare purchase", ">= 0.25", by_n[32][4]])
        target_rows.append(["hold at 32 buyers / bare hold", ">= 0.50", by_n[32][7]])
    target_rows.append(["oversold, every event", "0", sum(c["oversold"] for c in checks.values())])
    target_rows.append(["paid orders without all their tickets", "0",
                        sum(c["paid_orders_without_all_tickets"] for c in checks.values())])
    target_rows.append(["notifications timed out", "0", timed_out])
    if room is not None:
        report_room(room, by_n, report, target_rows)
    table("targets of issue #11 (ratios in this run)", ["figure", "target", "today"], target_rows)
    if sellout_result is not None:
        print(f"\nsell-out: {len(sellout_result.ok)} purchases, {checks['sellout']['tickets']} tickets of "
              f"{checks['sellout']['capacity']} seats, {checks['sellout']['seats_left']} left, "
              f"{sum(1 for s in sellout_result.samples if s.kind == 'sold_out')} refusals (sold out), "
              f"{len(sellout_result.errors)} errors")
        report["sellout"] = summarise(sellout_result)
    report["checks"] = checks
    report["notifications"] = {"loops": {k: notes[k] - notes_before.get(k, 0) for k in notes}, "all": notes_all}
    report["tables"] = {"rates": rows, "steps": step_rows, "cpu_ms": cpu_rows}
    write_json("surge", report, args.json)
    kinds = {}
    for n in levels:
        for k in runs[n]:
            for x in runs[n][k]:
                for kind, count in x.error_kinds().items():
                    kinds[(n, x.label, kind)] = kinds.get((n, x.label, kind), 0) + count
    if kinds:
        table("errors (all rounds)", ["buyers", "loop", "error", "count"],
              [[n, label, kind, count] for (n, label, kind), count in sorted(kinds.items(), key=lambda x: x[0][0])])


if __name__ == "__main__":
    main()
