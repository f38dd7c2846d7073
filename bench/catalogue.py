"""The catalogue: the search page with filters and an event page, anonymous and signed in.

    .venv/bin/python bench/catalogue.py                     # 8 clients, 5 s a loop
    .venv/bin/python bench/catalogue.py --clients 1,8 --seconds 15 --rounds 3
    .venv/bin/python bench/catalogue.py --through-cache http://127.0.0.1:8080   # issue #11's cache
    .venv/bin/python bench/catalogue.py --nginx    # starts deploy/nginx/olympix.conf in front of the app

Starts its own private database with the demo catalogue (``olympix
seed-demo``: the Paris 2024 sessions), olympix under gunicorn (2 sync
workers) and a bare Pyramid + Jinja2 page under the same settings, sized
like each application page it stands beside (same bytes, no database).
For each page and number of clients, interleaved: the app anonymous, the
app signed in, the bare page; and through the cache when one is given
(``--through-cache URL``: the same paths at that loopback URL), else the
cache rows say "not available".
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jinja2  # noqa: E402

import _flows  # noqa: E402
import _world  # noqa: E402
from _harness import (BENCH_DIR, Client, Run, Sample, closed_loop, common_arguments, cpu_of, expect,  # noqa: E402
                      int_list, log, loopback_only, machine, median, percentiles, ratio, table, write_json)
from _stack import Bare, Nginx, Olympix  # noqa: E402

DEMO_USER = "user@demo.olympix.test"
DEMO_PASSWORD = "olympix-demo-bench"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int_list, default=[8], help="comma-separated (default 8)")
    p.add_argument("--seconds", type=float, default=5.0, help="time bound of each loop (default 5)")
    p.add_argument("--max-count", type=int, default=20000, help="count bound of each loop")
    p.add_argument("--through-cache", metavar="URL",
                   help="base URL of the cache in front of the app (issue #11; loopback only)")
    p.add_argument("--nginx", action="store_true",
                   help="start deploy/nginx/olympix.conf on loopback in front of the app and measure through it")
    common_arguments(p)
    return p.parse_args(argv)


def bare_rows_for(size):
    """How many rows the bare template needs to weigh ``size`` bytes."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(BENCH_DIR, "templates")), autoescape=True)
    template = env.get_template("bare_page.jinja2")

    def weight(n):
        rows = [{"title": f"Athlétisme — session {i}", "venue": "Stade de France", "city": "Saint-Denis",
                 "when": "samedi 3 août 2024, 19:30", "price": "45,00 €", "href": f"/events/session-{i}"}
                for i in range(n)]
        return len(template.render(rows=rows, filler="").encode())

    one, two = weight(1), weight(2)
    return max(1, round((size - one) / (two - one)) + 1)


def get_loop(base, path, n, args, label, cookies=None, check=b"</html>"):
    def setup(w):
        client = Client()
        client.cookies = dict(cookies or {})
        return client

    def iteration(client, i):
        began = time.perf_counter()
        status, _h, body = client.get(base + path)
        expect(status, 200, label, body)
        if check not in body:
            raise RuntimeError(f"{label}: unexpected page")
        return Sample(True, "get", {"get": time.perf_counter() - began}, units=len(body))

    return closed_loop(label, n, iteration, args.max_count, args.seconds, setup=setup)


def main(argv=None):
    args = parse_args(argv)
    cache = loopback_only(args.through_cache.rstrip("/")) if args.through_cache else None
    report = {"bench": "catalogue", "args": vars(args), "machine_before": machine(), "pages": {}}
    with Run("catalogue", keep=args.keep) as run:
        app = Olympix(run, payment=False).migrate().seed_demo(DEMO_PASSWORD).start()
        if args.nginx:
            cache = Nginx(run, app.port).start().base
        sport, city, event_slug = _world.catalogue_samples(app.sql)
        pages = {"search (filters)": "/events?" + urllib.parse.urlencode({"sport": sport, "city": city}),
                 "search (all)": "/events",
                 "event page": f"/events/{event_slug}"}
        signed = Client()
        _flows.sign_in(signed, app.base, DEMO_USER, DEMO_PASSWORD)
        sizes = {}
        for name, path in pages.items():
            status, _h, body = Client().get(app.base + path)
            expect(status, 200, name, body)
            sizes[name] = len(body)
        config = os.path.join(run.tmp, "bare.json")
        with open(config, "w") as fh:
            json.dump({"db": app.db}, fh)
        bare = Bare(run, env={"BENCH_CONFIG": config}).start()
        bare_paths = {name: f"/page?rows={bare_rows_for(size)}" for name, size in sizes.items()}
        # The bare view reads ?rows= (see _bare.page).
        for name, path in bare_paths.items():
            status, _h, body = Client().get(bare.base + path)
            expect(status, 200, "bare page", body)
            log(f"{name}: app page {sizes[name]} bytes, bare page {len(body)} bytes")
        for path in pages.values():  # warm the workers
            get_loop(app.base, path, 2, argparse.Namespace(max_count=20, seconds=1), "warm-up")
        results = {(name, n): {k: [] for k in ("anon", "signed", "bare", "cache_anon")}
                   for name in pages for n in args.clients}
        for round_no in range(args.rounds):
            for n in args.clients:
                for name, path in pages.items():
                    log(f"round {round_no + 1}/{args.rounds}, {n} clients, {name}")
                    r = results[(name, n)]
                    # The workers' CPU per page beside each rate: on a shared machine
                    # the rate follows the load, the CPU a page costs much less.
                    r["anon"].append(cpu_of(app.workers_pids(), lambda: get_loop(
                        app.base, path, n, args, f"{name} anonymous")))
                    r["bare"].append(cpu_of(bare.workers_pids(), lambda: get_loop(
                        bare.base, bare_paths[name], n, args, "bare page")))
                    r["signed"].append(cpu_of(app.workers_pids(), lambda: get_loop(
                        app.base, path, n, args, f"{name} signed in", signed.cookies)))
                    if cache:
                        r["cache_anon"].append(get_loop(cache, path, n, args, f"{name} through the cache"))
        report["machine_after"] = machine()

    rows, lat, cpu_rows = [], [], []
    for (name, n), r in results.items():
        med = {k: median([x.rate() for x in r[k]]) for k in r}
        cpu = {k: median([x.cpu_ms_each() for x in r[k] if x.cpu_ms_each() is not None] or [0.0])
               for k in ("anon", "signed", "bare")}
        cpu_rows.append([name, n, cpu["anon"], cpu["signed"], cpu["bare"], ratio(cpu["bare"], cpu["anon"]),
                         ratio(cpu["bare"], cpu["signed"])])
        cache_rate = med["cache_anon"] if cache else "not available"
        rows.append([name, n, sizes[name], med["anon"], med["signed"], med["bare"], ratio(med["anon"], med["bare"]),
                     ratio(med["signed"], med["bare"]), cache_rate,
                     ratio(med["cache_anon"], med["bare"]) if cache else "not available",
                     sum(len(x.errors) for k in r for x in r[k])])
        for k, label in (("anon", "anonymous"), ("signed", "signed in"), ("bare", "bare page"),
                         ("cache_anon", "through the cache")):
            if r[k]:
                p = percentiles([s.steps["get"] for x in r[k] for s in x.ok])
                lat.append([name, n, label, p["p50"], p["p95"], p["p99"], p["n"]])
        report["pages"][f"{name} x{n}"] = {k: [{"rate": x.rate(), "done": len(x.ok), "errors": x.errors[:3],
                                                "cpu_ms_each": x.cpu_ms_each()}
                                               for x in r[k]] for k in r} | {"median_rates": med, "median_cpu_ms": cpu}
    print(f"\ncatalogue: olympix under gunicorn (2 sync workers), demo catalogue (olympix seed-demo); "
          f"loops of {args.seconds:g} s, {args.rounds} round(s), medians")
    print(f"load average before {report['machine_before']['loadavg']}, after {report['machine_after']['loadavg']}")
    table("pages per second", ["page", "clients", "bytes", "anonymous/s", "signed in/s", "bare page/s",
                               "anon / bare", "signed / bare", "through cache/s", "cache / bare", "errors"], rows)
    table("latency, ms", ["page", "clients", "as", "p50", "p95", "p99", "n"], lat)
    table("the workers' CPU per page, ms (user + system; MariaDB's own not counted)",
          ["page", "clients", "anonymous", "signed in", "bare page", "bare / anon", "bare / signed"], cpu_rows)
    n = max(args.clients)
    targets = [[f"{name}, app / bare page ({n} clients)", ">= 0.50", row[6]] for row in rows
               for name in [row[0]] if row[1] == n]
    targets += [[f"{row[0]}, anonymous through the cache / bare page", ">= 3.0", row[9]] for row in rows if row[1] == n]
    table("targets of issue #11 (ratios in this run)", ["figure", "target", "today"], targets)
    report["pages_tested"] = pages
    report["tables"] = {"rates": rows, "latency": lat, "cpu_ms": cpu_rows}
    write_json("catalogue", report, args.json)


if __name__ == "__main__":
    main()
