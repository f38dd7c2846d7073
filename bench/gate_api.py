"""The gate: scans per second through ``POST /api/gate/scans``, against a bare view.

    .venv/bin/python bench/gate_api.py                    # 1, 8, 32 devices, 6 s each; 80 lanes open loop 20 s
    .venv/bin/python bench/gate_api.py --seconds 20 --rounds 3 --open-seconds 60
    .venv/bin/python bench/gate_api.py --devices 32 --open-lanes 0 --profile var/bench/gate-profile

Starts its own private database and olympix under gunicorn (2 sync
workers); makes an event starting within the hour at a gate's venue, one
device token per device (the app's own ``issue_token``) and thousands of
tickets with their real codes. Then, for 1, 8 and 32 devices in a closed
loop (each device scans, waits for the verdict, scans again),
interleaved:

* admit:   a fresh, valid ticket each scan;
* repeat:  a ticket already scanned (deny "already scanned");
* made-up: a code of the right shape that no ticket has (deny "unknown or forged");
* bare:    a bare Pyramid view doing one primary-key SELECT, one
           conditional UPDATE and one INSERT, COMMIT (a fresh ticket each time).

Then a whole stadium's entry load in an open loop: 80 lanes, one scan
every 5 seconds each (85% admits, 10% repeats, 5% made-up), latency taken
from each scan's scheduled time; target p99 < 50 ms.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _flows  # noqa: E402
import _world  # noqa: E402
from _harness import (Client, Run, Sample, closed_loop, common_arguments, cpu_of, expect, int_list, log,  # noqa: E402
                      machine, median, open_loop, percentiles, ratio, table, write_json)
from _stack import Bare, Olympix  # noqa: E402

REPEATS = 200


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--devices", type=int_list, default=[1, 8, 32], help="comma-separated (default 1,8,32)")
    p.add_argument("--seconds", type=float, default=6.0, help="time bound of each closed loop (default 6)")
    p.add_argument("--max-count", type=int, default=3000, help="count bound of each closed loop (default 3000)")
    p.add_argument("--open-lanes", type=int, default=80, help="lanes of the open loop (default 80; 0: skip)")
    p.add_argument("--open-interval", type=float, default=5.0, help="seconds between two scans of a lane")
    p.add_argument("--open-seconds", type=float, default=20.0, help="length of the open loop (default 20)")
    p.add_argument("--profile", metavar="DIR", help="py-spy the workers during the admit loop at the most devices")
    common_arguments(p)
    return p.parse_args(argv)


def with_cpu(server, loop):
    """Run ``loop()`` and note on its result the server's workers' CPU (``LoopResult.cpu_ms_each``)."""
    return cpu_of(server.workers_pids(), loop)


@contextlib.contextmanager
def profiled(app, seconds, folder, label):
    """py-spy records olympix's workers (the gunicorn master and its children) while the block runs."""
    spy = os.path.join(os.path.dirname(sys.executable), "py-spy")
    if not os.path.exists(spy):
        log("--profile: py-spy is not installed (.venv/bin/pip install py-spy); not profiling")
        yield None
        return
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(os.path.abspath(folder), f"{label}.txt")
    proc = subprocess.Popen([spy, "record", "--subprocesses", "--pid", str(app.proc.pid), "--rate", "250",
                             "--duration", str(max(1, int(seconds))), "--format", "raw", "--output", path,
                             "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield path
    finally:
        try:
            proc.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(10)


def _frame_name(frame):
    """``scan (olympix/gate/scan.py:210)`` -> ``olympix/gate/scan.py:scan`` (the line number dropped)."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/olympix/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            where = ("olympix/" + where) if marker == "/olympix/" else where
            break
    return f"{where}:{name}"


def profile_summary(path, top=40):
    """[(function, inclusive %, own %)] of the samples taken in requests (``Worker.handle_request``)."""
    inclusive, own, total = collections.Counter(), collections.Counter(), 0
    with open(path) as fh:
        for line in fh:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            frames = stack.split(";")
            if not count.isdigit() or not any("handle_request" in f for f in frames):
                continue  # the master, idle waits between requests
            count = int(count)
            total += count
            names = [_frame_name(f) for f in frames if "(" in f]
            for name in set(names):
                inclusive[name] += count
            if names:
                own[names[-1]] += count
    if not total:
        return [], 0
    rows = [(name, 100.0 * n / total, 100.0 * own[name] / total) for name, n in inclusive.most_common(top)]
    rows += [(name, 100.0 * inclusive[name] / total, 100.0 * n / total) for name, n in own.most_common(top)
             if name not in dict.fromkeys(r[0] for r in rows)]
    return rows, total


class Pool:
    """Codes (or ids) handed out once each, across threads."""

    def __init__(self, items, name):
        self.items, self.name = iter(items), name
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            item = next(self.items, None)
        if item is None:
            raise RuntimeError(f"no {self.name} left (raise the pool size)")
        return item


def scan_loop(app, tokens, n, args, label, code_for, expected):
    def iteration(state, i):
        client, token = state
        code = code_for(i)
        timer = _flows.Timer()
        verdict, reason = _flows.scan(client, app.base, token, code, timer)
        if (verdict, reason) != expected:
            raise RuntimeError(f"{label}: {verdict}/{reason}, expected {expected}")
        return Sample(True, verdict, timer.steps)

    return closed_loop(label, n, iteration, args.max_count, args.seconds,
                       setup=lambda w: (Client(), tokens[w % len(tokens)]))


def bare_scan_loop(bare, pool, n, args):
    def iteration(client, i):
        began = time.perf_counter()
        status, _h, body = client.request("POST", f"{bare.base}/scan", body=json.dumps({"id": pool.take()}).encode(),
                                          headers={"Content-Type": "application/json"})
        expect(status, 200, "bare scan", body)
        if json.loads(body)["verdict"] != "admit":
            raise RuntimeError("bare scan did not admit a fresh ticket")
        return Sample(True, "admit", {"scan": time.perf_counter() - began})

    return closed_loop("scan (bare)", n, iteration, args.max_count, args.seconds, setup=lambda w: Client())


def main(argv=None):
    args = parse_args(argv)
    levels = args.devices
    per_run = min(args.max_count, int(args.seconds * 400) + 50)  # admits: far above what 2 workers do
    open_count = int(args.open_lanes * args.open_seconds / args.open_interval) + args.open_lanes if args.open_lanes else 0
    app_tickets = REPEATS + args.rounds * len(levels) * per_run + open_count
    base_tickets = min(args.rounds * len(levels) * min(args.max_count, int(args.seconds * 2500)), 60000) + 300
    report = {"bench": "gate", "args": vars(args), "machine_before": machine(), "levels": {}}
    with Run("gate", keep=args.keep) as run:
        app = Olympix(run, payment=False).migrate()
        log(f"minting {app_tickets} tickets with codes, {base_tickets} for the bare view")
        world = _world.make_gate_world(app.admin_ini, app_tickets, base_tickets,
                                       devices=max(max(levels), args.open_lanes, 1))
        key_id = _world.ticket_key_id(app.admin_ini)
        app.start()
        config = os.path.join(run.tmp, "bare.json")
        with open(config, "w") as fh:
            json.dump({"db": app.db, "agent_id": world["agent_id"], "gate_id": world["gate_id"]}, fh)
        bare = Bare(run, env={"BENCH_CONFIG": config}).start()
        codes = Pool(world["codes"], "fresh tickets")
        base_ids = Pool(world["base_ids"], "fresh tickets for the bare view")
        tokens = world["tokens"]
        log(f"warm-up: admitting {REPEATS} tickets (they are the repeats afterwards)")
        repeat_codes = [codes.take() for _ in range(REPEATS)]
        warm = iter(repeat_codes)
        warm_lock = threading.Lock()

        def next_warm(i):
            with warm_lock:
                return next(warm)

        scan_loop(app, tokens, 2, argparse.Namespace(max_count=REPEATS, seconds=60), "warm-up", next_warm,
                  ("admit", "admitted"))
        bare_scan_loop(bare, base_ids, 2, argparse.Namespace(max_count=100, seconds=2))

        runs = {n: {k: [] for k in ("admit", "repeat", "made_up", "bare")} for n in levels}
        for round_no in range(args.rounds):
            for n in levels:
                log(f"round {round_no + 1}/{args.rounds}, {n} devices")
                spy = (profiled(app, args.seconds, args.profile, f"admit-{n}")
                       if args.profile and round_no == args.rounds - 1 and n == max(levels)
                       else contextlib.nullcontext())
                with spy as profile_path:
                    runs[n]["admit"].append(with_cpu(app, lambda: scan_loop(app, tokens, n, argparse.Namespace(
                        max_count=per_run, seconds=args.seconds), "admit", lambda i: codes.take(),
                        ("admit", "admitted"))))
                if profile_path:
                    report["profile"] = profile_path
                runs[n]["bare"].append(with_cpu(bare, lambda: bare_scan_loop(bare, base_ids, n, args)))
                runs[n]["repeat"].append(with_cpu(app, lambda: scan_loop(
                    app, tokens, n, args, "repeat", lambda i: repeat_codes[i % REPEATS], ("deny", "already_scanned"))))
                runs[n]["made_up"].append(with_cpu(app, lambda: scan_loop(
                    app, tokens, n, args, "made-up", lambda i: _world.made_up_code(key_id),
                    ("deny", "unknown_or_forged"))))
        open_result = None
        if args.open_lanes:
            log(f"open loop: {args.open_lanes} lanes, one scan every {args.open_interval:g} s each, "
                f"{args.open_seconds:g} s")

            def lane_scan(state, i):
                client, token = state
                kind = "repeat" if i % 20 in (3, 13) else "made_up" if i % 20 == 7 else "admit"
                code = (repeat_codes[i % REPEATS] if kind == "repeat" else
                        _world.made_up_code(key_id) if kind == "made_up" else codes.take())
                verdict, reason = _flows.scan(client, app.base, token, code)
                ok = (verdict == "admit") == (kind == "admit")
                if not ok:
                    raise RuntimeError(f"open loop: {kind} got {verdict}/{reason}")
                return Sample(True, verdict, {"scheduled": 0.0})

            open_result = open_loop("stadium", args.open_lanes, args.open_interval, lane_scan, args.open_seconds,
                                    open_count, setup=lambda w: (Client(), tokens[w % len(tokens)]))
        scans = app.sql("SELECT verdict, reason, COUNT(*) FROM scans GROUP BY verdict, reason")
        report["machine_after"] = machine()

    rows, lat_rows, cpu_rows = [], [], []
    for n in levels:
        r = runs[n]
        med = {k: median([x.rate() for x in r[k]]) for k in r}
        cpu = {k: median([x.cpu_ms_each() or 0.0 for x in r[k]]) for k in r}
        cpu_rows.append([n, cpu["admit"], cpu["repeat"], cpu["made_up"], cpu["bare"], ratio(cpu["bare"], cpu["admit"]),
                         median([ratio(a.rate(), b.rate()) for a, b in zip(r["admit"], r["bare"])])])
        errors = sum(len(x.errors) for k in r for x in r[k])
        rows.append([n, med["admit"], med["repeat"], med["made_up"], med["bare"], ratio(med["admit"], med["bare"]),
                     ratio(med["repeat"], med["admit"]), errors])
        for k in ("admit", "repeat", "made_up", "bare"):
            p = percentiles([s.steps["scan"] for x in r[k] for s in x.ok])
            lat_rows.append([n, {"made_up": "made-up (deny)", "repeat": "repeat (deny)", "admit": "admit",
                                 "bare": "bare view"}[k], p["p50"], p["p95"], p["p99"], p["n"]])
        report["levels"][n] = {k: [{"rate": x.rate(), "cpu_ms": x.cpu_ms_each(), "done": len(x.ok),
                                    "seconds": x.seconds,
                                    "errors": x.errors[:3], "latency_ms": x.step_percentiles()} for x in r[k]]
                               for k in r}
        report["levels"][n]["median_rates"] = med
    print(f"\ngate: POST /api/gate/scans, olympix under gunicorn (2 sync workers), MariaDB on 127.0.0.1; "
          f"closed loops of {args.seconds:g} s, {args.rounds} round(s), medians")
    print(f"load average before {report['machine_before']['loadavg']}, after {report['machine_after']['loadavg']}")
    table("scans per second (closed loop)", ["devices", "admits/s", "repeats/s", "made-up/s", "bare view/s",
                                             "admit / bare", "deny / admit", "errors"], rows)
    table("workers' CPU per scan, ms (user + system of the 2 gunicorn workers, medians)",
          ["devices", "admit", "repeat", "made-up", "bare view", "bare / admit CPU", "admit / bare, per round"],
          cpu_rows)
    table("latency per scan, ms (closed loop)", ["devices", "scan", "p50", "p95", "p99", "n"], lat_rows)
    targets = []
    by_n = {row[0]: row for row in rows}
    if 32 in by_n:
        targets.append(["admits at 32 devices / bare view", ">= 0.80", by_n[32][5]])
    if open_result is not None:
        admits = [s.steps["scheduled"] for s in open_result.ok if s.kind == "admit"]
        denies = [s.steps["scheduled"] for s in open_result.ok if s.kind == "deny"]
        every = admits + denies
        pa, pd, pall = percentiles(admits), percentiles(denies), percentiles(every)
        offered = args.open_lanes / args.open_interval
        table(f"stadium entry, open loop: {args.open_lanes} lanes x 1 scan / {args.open_interval:g} s "
              f"= {offered:.0f} scans/s offered, {args.open_seconds:g} s; ms from the scheduled time",
              ["scans", "p50", "p95", "p99", "n", "errors"],
              [["all", pall["p50"], pall["p95"], pall["p99"], pall["n"], len(open_result.errors)],
               ["admits", pa["p50"], pa["p95"], pa["p99"], pa["n"], ""],
               ["denies", pd["p50"], pd["p95"], pd["p99"], pd["n"], ""]])
        targets.append(["p99 under the stadium's entry load", "< 50 ms", pall["p99"]])
        report["open_loop"] = {"all": pall, "admits": pa, "denies": pd, "errors": open_result.errors[:5],
                               "achieved_rate": len(open_result.ok) / args.open_seconds}
    if levels:
        n = max(levels)
        r = runs[n]
        pa = percentiles([s.steps["scan"] for x in r["admit"] for s in x.ok])
        pd = percentiles([s.steps["scan"] for k in ("repeat", "made_up") for x in r[k] for s in x.ok])
        targets.append([f"denies as fast as admits (p50 deny / p50 admit, {n} devices)", "<= 1.0",
                        ratio(pd["p50"], pa["p50"])])
    table("targets of issue #11 (ratios in this run)", ["figure", "target", "today"], targets)
    table("scan rows written (whole run)", ["verdict", "reason", "rows"], [list(r) for r in scans])
    if report.get("profile") and os.path.exists(report["profile"]):
        prof_rows, samples = profile_summary(report["profile"])
        table(f"where the workers spent the admit loop at {max(levels)} devices (py-spy, {samples} samples "
              f"in requests; {report['profile']})", ["function", "inclusive %", "own %"],
              [[name, incl, self_] for name, incl, self_ in prof_rows])
        report["profile_summary"] = prof_rows
    report["tables"] = {"rates": rows, "cpu": cpu_rows, "latency": lat_rows, "targets": targets}
    write_json("gate", report, args.json)
    examples = [e for n in levels for k in runs[n] for x in runs[n][k] for e in x.errors[:2]]
    if examples:
        print("\nexamples of errors:", *examples[:6], sep="\n  ")


if __name__ == "__main__":
    main()
