"""The PDF: tickets per second and the workers' memory, one-ticket and ten-ticket orders.

    .venv/bin/python bench/pdf.py                           # 100 one-ticket and 20 ten-ticket renders
    .venv/bin/python bench/pdf.py --renders 1000 --renders-ten 1000    # the issue's 1,000 renders (long)

Starts its own private database and olympix under gunicorn (2 sync
workers); makes paid orders (tickets minted by the app's own code), one
per render, so the app's in-memory PDF cache never answers: every request
renders. The buyer downloads each order's PDF (``GET
/orders/<ref>/@@tickets.pdf``) from 2 clients (one per worker).
Baseline: a bare Pyramid view under the same gunicorn where weasyprint
renders the very HTML the app renders for such an order. The workers'
resident memory (VmRSS, VmHWM from /proc) is sampled through each loop:
"flat" means the last tenth's RSS is within a few percent of the first's.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _flows  # noqa: E402
import _world  # noqa: E402
from _harness import (Client, Run, Sample, closed_loop, common_arguments, expect, log, machine,  # noqa: E402
                      memory_of, median, percentiles, ratio, table, write_json)
from _stack import Bare, Olympix  # noqa: E402

PASSWORD = "bench pdf password 2024"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--renders", type=int, default=100, help="one-ticket renders per loop (default 100)")
    p.add_argument("--renders-ten", type=int, default=20, help="ten-ticket renders per loop (default 20)")
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--max-seconds", type=float, default=600, help="time bound of each loop (default 600)")
    common_arguments(p)
    return p.parse_args(argv)


class MemorySampler:
    """Samples the workers' memory every half second while a loop runs."""

    def __init__(self, pids):
        self.pids, self.samples = pids, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.samples.append((time.monotonic(), memory_of(self.pids)))
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.5):
            self.samples.append((time.monotonic(), memory_of(self.pids)))

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.samples.append((time.monotonic(), memory_of(self.pids)))

    def summary(self):
        rss = [m["rss_kib"] for _t, m in self.samples]
        tenth = max(1, len(rss) // 10)
        first, last = sum(rss[:tenth]) / tenth, sum(rss[-tenth:]) / tenth
        return {"rss_start_mib": rss[0] / 1024, "rss_first_tenth_mib": first / 1024, "rss_last_tenth_mib": last / 1024,
                "rss_max_mib": max(rss) / 1024, "hwm_mib": max(m["hwm_kib"] for _t, m in self.samples) / 1024,
                "growth": (last - first) / first if first else None, "samples": len(rss)}


def main(argv=None):
    args = parse_args(argv)
    report = {"bench": "pdf", "args": vars(args), "machine_before": machine()}
    with Run("pdf", keep=args.keep) as run:
        app = Olympix(run, payment=False).migrate()
        (buyer_id, email), = _world.make_users(app.admin_ini, "reader", 1, PASSWORD)
        event = _world.make_event(app.admin_ini, "pdf", 10_000_000)
        log(f"making {args.renders * args.rounds + 8} one-ticket and {args.renders_ten * args.rounds + 1} ten-ticket paid orders")
        orders = {1: _world.make_paid_orders(app.admin_ini, buyer_id, event, args.renders * args.rounds + 8, 1),
                  10: _world.make_paid_orders(app.admin_ini, buyer_id, event, args.renders_ten * args.rounds + 1, 10)}
        html = {}
        for n in (1, 10):
            path = os.path.join(run.tmp, f"tickets-{n}.html")
            with open(path, "w") as fh:
                fh.write(_world.pdf_html(app.admin_ini, orders[n].pop()))
            html[str(n)] = path
        app.start()
        config = os.path.join(run.tmp, "bare.json")
        with open(config, "w") as fh:
            json.dump({"db": app.db, "pdf_html": html}, fh)
        bare = Bare(run, env={"BENCH_CONFIG": config}).start()
        signed = Client()
        _flows.sign_in(signed, app.base, email, PASSWORD)
        pools = {n: iter(refs) for n, refs in orders.items()}
        lock = threading.Lock()

        def app_iteration(client, i, n):
            with lock:
                reference = next(pools[n])
            began = time.perf_counter()
            status, headers, body = client.get(f"{app.base}/orders/{reference}/@@tickets.pdf")
            expect(status, 200, "tickets PDF", body)
            if not body.startswith(b"%PDF"):
                raise RuntimeError("not a PDF")
            return Sample(True, "pdf", {"render": time.perf_counter() - began}, units=n)

        def bare_iteration(client, i, n):
            began = time.perf_counter()
            status, _h, body = client.get(f"{bare.base}/pdf?n={n}")
            expect(status, 200, "bare PDF", body)
            return Sample(True, "pdf", {"render": time.perf_counter() - began}, units=n)

        def signed_client(w):
            client = Client()
            client.cookies = dict(signed.cookies)
            return client

        # Warm both (fonts, weasyprint's first import) with one render each per worker.
        closed_loop("warm-up", 2, lambda c, i: app_iteration(c, i, 1), 6, 60, setup=signed_client)
        closed_loop("warm-up bare", 2, lambda c, i: bare_iteration(c, i, 1), 6, 60, setup=lambda w: Client())
        results = {n: {"app": [], "bare": []} for n in (1, 10)}
        for _round in range(args.rounds):
            for n, count in ((1, args.renders), (10, args.renders_ten)):
                with MemorySampler(app.workers_pids()) as mem:
                    r = closed_loop(f"{n}-ticket PDF (app)", args.clients, lambda c, i, n=n: app_iteration(c, i, n),
                                    count, args.max_seconds, setup=signed_client)
                r.memory = mem.summary()
                results[n]["app"].append(r)
                with MemorySampler(bare.workers_pids()) as mem:
                    r = closed_loop(f"{n}-ticket PDF (bare weasyprint)", args.clients,
                                    lambda c, i, n=n: bare_iteration(c, i, n), count, args.max_seconds,
                                    setup=lambda w: Client())
                r.memory = mem.summary()
                results[n]["bare"].append(r)
        report["machine_after"] = machine()

    rows, lat, mem_rows = [], [], []
    for n, r in results.items():
        med = {k: median([x.units_rate() for x in r[k]]) for k in r}
        rows.append([f"{n} ticket{'s' if n > 1 else ''}", len(r["app"][0].ok), med["app"], med["bare"],
                     ratio(med["app"], med["bare"]), sum(len(x.errors) for k in r for x in r[k])])
        for k in ("app", "bare"):
            p = percentiles([s.steps["render"] for x in r[k] for s in x.ok])
            lat.append([n, k, p["p50"], p["p95"], p["p99"], p["n"]])
            m = r[k][-1].memory
            mem_rows.append([n, k, m["rss_start_mib"], m["rss_first_tenth_mib"], m["rss_last_tenth_mib"],
                             m["rss_max_mib"], m["hwm_mib"], f"{100 * m['growth']:+.1f}%" if m["growth"] is not None else "-"])
        report[f"{n}_ticket"] = {k: [{"tickets_per_s": x.units_rate(), "renders": len(x.ok), "errors": x.errors[:3],
                                      "memory": x.memory} for x in r[k]] for k in r} | {"median": med}
    print(f"\npdf: GET /orders/<ref>/@@tickets.pdf, olympix under gunicorn (2 sync workers), {args.clients} clients; "
          f"{args.rounds} round(s), medians")
    print(f"load average before {report['machine_before']['loadavg']}, after {report['machine_after']['loadavg']}")
    table("tickets per second", ["order", "renders", "app tickets/s", "bare weasyprint tickets/s", "app / bare",
                                 "errors"], rows)
    table("latency per PDF, ms", ["tickets", "server", "p50", "p95", "p99", "n"], lat)
    table("workers' memory over the loop (MiB, both workers' RSS added; HWM: the larger worker's peak)",
          ["tickets", "server", "RSS start", "RSS first tenth", "RSS last tenth", "RSS max", "HWM", "growth"], mem_rows)
    table("targets of issue #11 (ratios in this run)", ["figure", "target", "today"],
          [[f"{row[0]}: app / bare weasyprint", ">= 0.70", row[4]] for row in rows]
          + [[f"{m[0]} ticket(s), app: memory growth over the loop", "flat", m[7]] for m in mem_rows if m[1] == "app"])
    report["tables"] = {"rates": rows, "latency": lat, "memory": mem_rows}
    write_json("pdf", report, args.json)


if __name__ == "__main__":
    main()
