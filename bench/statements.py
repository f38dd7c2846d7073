"""MariaDB statements per flow: what each journey costs the database, counted exactly.

    .venv/bin/python bench/statements.py [--repeat 3]

Starts its own private database, the sandbox provider, a mail sink and
olympix under gunicorn (2 sync workers) pointed at a counting proxy
(``_sqlcount.py``: the shared server's global counters also count the
other engineers' test runs). Each flow then runs alone, one after the
other, ``--repeat`` times; the table shows the statements per flow (and
per request) by kind: SELECT, INSERT, UPDATE, COMMIT, ROLLBACK, PING...
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _flows  # noqa: E402
import _world  # noqa: E402
from _harness import Client, Run, expect, log, machine, table, write_json  # noqa: E402
from _sqlcount import StatementCounter, difference  # noqa: E402
from _stack import Olympix, private_database  # noqa: E402

PASSWORD = "bench statements password"
DEMO_PASSWORD = "olympix-demo-bench"
KINDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "COMMIT", "ROLLBACK", "PING")
MIX = (("solo", 1), ("duo", 2), ("family", 4))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=3, help="times each flow runs (default 3)")
    p.add_argument("--json")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--show", action="append", default=[], metavar="FLOW",
                   help="print the statements of the flows whose name contains FLOW (e.g. --show 'event page'); "
                        "--show steps: those of each step of the purchase")
    args = p.parse_args(argv)
    flows, steps = {}, collections.defaultdict(collections.Counter)
    step_texts = collections.defaultdict(collections.Counter)
    with Run("statements", keep=args.keep) as run:
        counter = StatementCounter()
        run.callback(counter.close)
        db, url = private_database(run)
        app = Olympix(run, db_url=url, app_db_url=counter.url(db)).migrate().seed_demo(DEMO_PASSWORD)
        (buyer_id, email), = _world.make_users(app.admin_ini, "counted", 1, PASSWORD)
        event = _world.make_event(app.admin_ini, "counted", 1_000_000)
        gate = _world.make_gate_world(app.admin_ini, 4 * args.repeat, 0, devices=1)
        key_id = _world.ticket_key_id(app.admin_ini)
        pdf_orders = _world.make_paid_orders(app.admin_ini, buyer_id, event, args.repeat + 2, 1)
        sport, city, event_slug = _world.catalogue_samples(app.sql)
        app.start()

        def measure(name, requests, fn):
            time.sleep(0.3)  # let the previous flow's after-commit work end
            before, texts_before = counter.snapshot(), counter.text_snapshot()
            for i in range(args.repeat):
                fn(i)
            time.sleep(0.3)
            delta = difference(counter.snapshot(), before)
            texts = difference(counter.text_snapshot(), texts_before)
            flows[name] = {"requests": requests, "per_flow": {k: v / args.repeat for k, v in delta.items()},
                           "statements": {t: n / args.repeat for t, n in sorted(texts.items(), key=lambda x: -x[1])}}
            log(f"{name}: {sum(delta.values()) / args.repeat:.1f} statements")

        client = Client()
        # Warm-up: the pool's first connections, each worker once (not counted).
        for _ in range(4):
            client.get(app.base + "/events")
        measure("sign-in (form + POST)", 2, lambda i: _flows.sign_in(Client(), app.base, email, PASSWORD))
        _flows.sign_in(client, app.base, email, PASSWORD)
        fields = _flows.book_fields(client, app.base, event["slug"])

        def purchase(i):
            kind, seats = MIX[i % 3]
            last = [counter.snapshot(), counter.text_snapshot()]

            def after(step):
                now, texts = counter.snapshot(), counter.text_snapshot()
                steps[step].update(difference(now, last[0]))
                step_texts[step].update(difference(texts, last[1]))
                last[0], last[1] = now, texts

            _flows.purchase(client, app.base, event["slug"], None, event["offers"][kind], seats,
                            timer=_flows.Timer(after_step=after))

        # book form, hold, order page, pay, the provider's notification, the
        # signed return (which answers with the order page and its tickets)
        measure("purchase, whole flow (Solo/Duo/Family)", 6, purchase)
        measure("hold alone (book form POST)", 1,
                lambda i: _flows.hold(client, app.base, event["slug"], fields, event["offers"]["solo"]))
        device = Client()
        codes = iter(gate["codes"])
        scanned = []

        def admit(i):
            code = next(codes)
            scanned.append(code)
            assert _flows.scan(device, app.base, gate["tokens"][0], code)[0] == "admit"

        measure("gate: admit", 1, admit)
        measure("gate: repeat (deny)", 1, lambda i: _flows.scan(device, app.base, gate["tokens"][0], scanned[i]))
        measure("gate: made-up code (deny)", 1,
                lambda i: _flows.scan(device, app.base, gate["tokens"][0], _world.made_up_code(key_id)))
        search = "/events?" + urllib.parse.urlencode({"sport": sport, "city": city})
        anon = Client()

        def get(c, path):
            status, _h, body = c.get(app.base + path)
            expect(status, 200, path, body)

        measure("search page, anonymous", 1, lambda i: get(anon, search))
        measure("search page, signed in", 1, lambda i: get(client, search))
        measure("event page, anonymous", 1, lambda i: get(anon, f"/events/{event_slug}"))
        measure("event page, signed in", 1, lambda i: get(client, f"/events/{event_slug}"))
        measure("tickets PDF, 1 ticket", 1, lambda i: get(client, f"/orders/{pdf_orders[i]}/@@tickets.pdf"))
        report = {"bench": "statements", "repeat": args.repeat, "machine": machine(), "flows": flows,
                  "purchase_steps": {k: {s: v / args.repeat for s, v in c.items()} for k, c in steps.items()}}

    rows = []
    for name, f in flows.items():
        c = f["per_flow"]
        total = sum(c.values())
        other = {k: v for k, v in c.items() if k not in KINDS}
        rows.append([name, f["requests"], total, total / f["requests"], *[c.get(k, 0.0) for k in KINDS],
                     ", ".join(f"{k} {v:g}" for k, v in sorted(other.items())) or "-"])
    print(f"\nMariaDB statements per flow (olympix under gunicorn, counted by a proxy; mean of {args.repeat} runs)")
    table("statements per flow", ["flow", "requests", "statements", "per request", *KINDS, "other"], rows)
    step_rows = [[step, sum(c.values()) / args.repeat, *[c.get(k, 0) / args.repeat for k in KINDS]]
                 for step, c in steps.items()]
    table("the purchase, step by step (the notification is inside provider_pay)",
          ["step", "statements", *KINDS], step_rows)
    for name, f in flows.items():
        if any(wanted in name for wanted in args.show):
            print(f"\n{name}: each statement, per flow")
            for statement, n in f["statements"].items():
                print(f"  {n:5.1f}  {statement[:160]}")
    if any(wanted in "purchase steps" for wanted in args.show):
        for step, texts in step_texts.items():
            print(f"\npurchase step {step}: each statement, per flow")
            for statement, n in texts.most_common():
                print(f"  {n / args.repeat:5.1f}  {statement[:160]}")
    report["tables"] = {"flows": rows, "purchase_steps": step_rows}
    write_json("statements", report, args.json)


if __name__ == "__main__":
    main()
