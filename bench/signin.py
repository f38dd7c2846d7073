"""Sign-in: complete sign-ins per second (form, POST, signed cookie), against a bare view.

    .venv/bin/python bench/signin.py                        # 1 and 8 clients, 6 s each
    .venv/bin/python bench/signin.py --clients 1,8,32 --seconds 20 --rounds 3

Starts its own private database and olympix under gunicorn (2 sync
workers), argon2id at its configured cost (olympix.argon2.*: 3 passes,
64 MiB, 4 lanes). Each iteration is a new visitor: GET the sign-in form
(session cookie and CSRF token), POST e-mail and password, 303 with the
signed session cookie. Baseline: a bare Pyramid view under the same
gunicorn doing sign-in's essential work: one SELECT of the user by e-mail
and one argon2id verify at the same cost.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _flows  # noqa: E402
import _world  # noqa: E402
from _harness import (Client, Run, Sample, closed_loop, common_arguments, expect, int_list, machine,  # noqa: E402
                      median, percentiles, ratio, table, write_json)
from _stack import Bare, Olympix  # noqa: E402

PASSWORD = "bench sign-in password 2024"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int_list, default=[1, 8], help="comma-separated (default 1,8)")
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--max-count", type=int, default=2000)
    common_arguments(p)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    report = {"bench": "signin", "args": vars(args), "machine_before": machine()}
    with Run("signin", keep=args.keep) as run:
        app = Olympix(run, payment=False).migrate()
        users = _world.make_users(app.admin_ini, "member", max(args.clients), PASSWORD)
        password_hash = app.sql("SELECT password_hash FROM users WHERE id = %s", (users[0][0],))[0][0]
        app.start()
        config = os.path.join(run.tmp, "bare.json")
        with open(config, "w") as fh:
            json.dump({"db": app.db, "argon2": [3, 65536, 4], "password_hash": password_hash}, fh)
        bare = Bare(run, env={"BENCH_CONFIG": config}).start()

        def app_iteration(w, i):
            client = Client()  # a new visitor each time
            sample = _flows.sign_in(client, app.base, users[w][1], PASSWORD)
            sample.steps["total"] = sum(sample.steps.values())
            return sample

        def bare_iteration(client_w, i):
            client, w = client_w
            began = time.perf_counter()
            status, _h, body = client.post(f"{bare.base}/signin", [["email", users[w][1]], ["password", PASSWORD]])
            expect(status, 200, "bare sign-in", body)
            return Sample(True, "signin", {"total": time.perf_counter() - began})

        closed_loop("warm-up", 2, app_iteration, 4, 5, setup=lambda w: w)
        results = {n: {"app": [], "bare": []} for n in args.clients}
        for _round in range(args.rounds):
            for n in args.clients:
                results[n]["app"].append(closed_loop("sign-in (app)", n, app_iteration, args.max_count, args.seconds,
                                                     setup=lambda w: w))
                results[n]["bare"].append(closed_loop("sign-in (bare)", n, bare_iteration, args.max_count,
                                                      args.seconds, setup=lambda w: (Client(), w)))
        recorded = app.sql("SELECT COUNT(*) FROM sign_ins")[0][0] if app.sql("SHOW TABLES LIKE 'sign_ins'") else None
        report["machine_after"] = machine()

    rows, lat = [], []
    for n, r in results.items():
        med = {k: median([x.rate() for x in r[k]]) for k in r}
        rows.append([n, med["app"], med["bare"], ratio(med["app"], med["bare"]), sum(len(x.errors) for k in r for x in r[k])])
        for k in ("app", "bare"):
            for step in (("login_form", "login_post", "total") if k == "app" else ("total",)):
                p = percentiles([s.steps[step] for x in r[k] for s in x.ok])
                lat.append([n, k, step, p["p50"], p["p95"], p["p99"], p["n"]])
        report[f"x{n}"] = {k: [{"rate": x.rate(), "done": len(x.ok), "errors": x.errors[:3]} for x in r[k]]
                           for k in r} | {"median_rates": med}
    print(f"\nsign-in: olympix under gunicorn (2 sync workers), argon2id 3 passes / 64 MiB / 4 lanes; "
          f"loops of {args.seconds:g} s, {args.rounds} round(s), medians")
    print(f"load average before {report['machine_before']['loadavg']}, after {report['machine_after']['loadavg']}")
    table("complete sign-ins per second", ["clients", "app/s", "bare view/s", "app / bare", "errors"], rows)
    table("latency, ms", ["clients", "server", "step", "p50", "p95", "p99", "n"], lat)
    if recorded is not None:
        print(f"\nsign-ins recorded by the app: {recorded}")
    report["tables"] = {"rates": rows, "latency": lat}
    write_json("signin", report, args.json)


if __name__ == "__main__":
    main()
