"""Profile olympix's requests in process (pyinstrument): where a hold, an order page or a search page spends.

Builds the application as gunicorn would (bench/_stack.py's ini, MariaDB on
127.0.0.1:3306, a private database dropped at the end) but calls it through
WebTest in this process, so the profile holds only the application's own
work (and its round trips). Bounded by --requests.

    .venv/bin/python bench/profile_requests.py --flow hold --requests 300 [--html out.html]

pyinstrument is not a project dependency: ``.venv/bin/pip install pyinstrument``.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _world  # noqa: E402
from _harness import Run, log  # noqa: E402
from _stack import Olympix  # noqa: E402

PASSWORD = "bench-password-1"
FLOWS = ("hold", "order_page", "search", "event_page", "book_form")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--flow", choices=FLOWS, default="hold")
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--html", help="also write pyinstrument's HTML report here")
    p.add_argument("--signed-out", action="store_true", help="search/event page as an anonymous visitor "
                   "(the hold and the order page need a buyer)")
    p.add_argument("--functions", type=int, default=0, metavar="N",
                   help="instead: cProfile's N costliest functions by own time, then olympix's by cumulative time")
    p.add_argument("--cpu", action="store_true",
                   help="instead: no profiler, this process's CPU per request (the client's WebTest work "
                        "included, the same for any tree), --rounds times")
    p.add_argument("--rounds", type=int, default=3, help="with --cpu: rounds of --requests (default 3)")
    args = p.parse_args(argv)
    try:
        import pyinstrument
        import webtest
        from pyramid.paster import get_app
    except ImportError as error:
        sys.exit(f"{error}: .venv/bin/pip install pyinstrument")
    with Run("profile") as run:
        app = Olympix(run, payment=False).migrate().seed_demo()
        (_uid, email), = _world.make_users(app.admin_ini, "profiled", 1, PASSWORD)
        event = _world.make_event(app.admin_ini, "profiled", 10_000_000)
        wsgi = get_app(app.ini)
        client = webtest.TestApp(wsgi, extra_environ={"HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
                                                      "HTTP_ACCEPT_LANGUAGE": "fr"})
        if not args.signed_out:
            form = client.get("/account/@@login").forms["form"]
            form["email"], form["password"] = email, PASSWORD
            assert form.submit("submit").status_int == 303, "sign-in"
        book = f"/events/{event['slug']}/@@book"
        fields = order_path = None
        if not args.signed_out:  # a visitor is sent to sign in
            fields = client.get(book).forms["form"]
            fields["offer"] = str(event["offers"]["solo"])
            fields["quantity"] = "1"
            order_path = urllib.parse.urlsplit(fields.submit("submit").location).path
        sport, city, slug = _world.catalogue_samples(app.sql)
        search = "/events?" + urllib.parse.urlencode({"sport": sport, "city": city})

        def one():
            if args.flow == "hold":
                assert fields.submit("submit").status_int == 303
            elif args.flow == "order_page":
                client.get(order_path)
            elif args.flow == "search":
                client.get(search)
            elif args.flow == "event_page":
                client.get(f"/events/{slug}")
            else:
                client.get(book)

        for _ in range(20):  # warm: templates compiled, pools filled
            one()
        log(f"profiling {args.requests} × {args.flow}")
        if args.cpu:
            for round_no in range(args.rounds):
                began, wall = time.process_time(), time.perf_counter()
                for _ in range(args.requests):
                    one()
                cpu = time.process_time() - began
                print(f"{args.flow}: round {round_no + 1}: {1000 * cpu / args.requests:.2f} ms of CPU a request, "
                      f"{1000 * (time.perf_counter() - wall) / args.requests:.2f} ms wall ({args.requests} requests)")
        elif args.functions:
            stats = cProfile.Profile()
            stats.enable()
            for _ in range(args.requests):
                one()
            stats.disable()
            out = pstats.Stats(stats)
            out.sort_stats("tottime").print_stats(args.functions)
            out.sort_stats("cumulative").print_stats("olympix", args.functions)
        else:
            profiler = pyinstrument.Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.requests):
                one()
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
            if args.html:
                with open(args.html, "w") as fh:
                    fh.write(profiler.output_html())
        wsgi.registry["db_engine"].dispose()


if __name__ == "__main__":
    main()
