"""Benchmark: building a gate's offline bundle (``GET /api/gate/bundle``) for a stadium's session.

Makes a private MariaDB database (127.0.0.1:3306, root; dropped at the
end), one session with ``--tickets`` tickets at a gate, and times
``olympix.gate.offline.build`` + ``seal`` in process, ``--builds`` times
(the first fills the per-process cache, ``olympix/gate/bundle_cache.py``;
a gate's devices refresh every minute), then as the venue's other devices
get it within ``olympix.gate.bundle_reuse_seconds`` (the tickets read once,
sealed per device), beside the baseline of the same run: the bundle's one
SELECT of those tickets alone. Prints a table, writes JSON.

    .venv/bin/python bench/gate_bundle.py [--tickets 80000] [--builds 5] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _world  # noqa: E402
from _harness import Run, log, machine, median, table, write_json  # noqa: E402
from _stack import Olympix  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tickets", type=int, default=80_000)
    p.add_argument("--builds", type=int, default=5)
    p.add_argument("--profile", action="store_true", help="cProfile the builds after the first")
    p.add_argument("--json")
    args = p.parse_args(argv)
    from sqlalchemy import LargeBinary, select, type_coerce

    from olympix.gate import offline
    from olympix.models import Gate, Ticket, User

    report = {"bench": "gate_bundle", "args": vars(args), "machine": machine()}
    with Run("gate-bundle") as run:
        app = Olympix(run, payment=False).migrate()
        log(f"{args.tickets} tickets at one gate")
        world = _world.make_gate_world(app.admin_ini, args.tickets, 0, devices=1)
        with _world._Request(app.admin_ini) as request:
            gate = request.dbsession.get(Gate, world["gate_id"])
            settings = request.registry.settings
            reuse = settings["olympix.gate.bundle_reuse_seconds"]
            builds, selects, sizes, shared = [], [], [], []
            profiler = cProfile.Profile() if args.profile else None
            settings["olympix.gate.bundle_reuse_seconds"] = 0  # every build reads the tickets
            for i in range(max(1, min(args.builds, 50))):
                request.dbsession.expire_all()
                began = time.perf_counter()
                request.dbsession.execute(  # the bundle's own statement (names as their sealed bytes)
                    select(Ticket.serial, Ticket.event_id, type_coerce(Ticket.attendee_first_name, LargeBinary),
                           type_coerce(Ticket.attendee_last_name, LargeBinary), Ticket.state, Ticket.ticket_key,
                           User.user_key)
                    .join(User, User.id == Ticket.owner_id).where(Ticket.event_id == world["event_id"])).all()
                selects.append(time.perf_counter() - began)
                if profiler and i:
                    profiler.enable()
                began = time.perf_counter()
                sealed = offline.seal(offline.build(request, gate), offline.device_key("bench"))
                builds.append(time.perf_counter() - began)
                if profiler and i:
                    profiler.disable()
                sizes.append(len(sealed["ciphertext"]))
                log(f"build {i + 1}: {builds[-1]:.2f} s, the SELECT alone {selects[-1]:.2f} s")
            # A venue's other devices within the reuse time: the tickets read once, sealed per device.
            settings["olympix.gate.bundle_reuse_seconds"] = reuse
            for i in range(max(1, min(args.builds, 50))):
                began = time.perf_counter()
                offline.seal(offline.build(request, gate), offline.device_key(f"bench-{i}"))
                shared.append(time.perf_counter() - began)
    rows = [["first build (caches empty)", builds[0], selects[0], builds[0] / selects[0]],
            ["later builds (median)", median(builds[1:] or builds), median(selects[1:] or selects),
             median(builds[1:] or builds) / median(selects[1:] or selects)],
            [f"another device within {reuse} s (median; the first reads)", median(shared[1:] or shared),
             median(selects[1:] or selects), median(shared[1:] or shared) / median(selects[1:] or selects)]]
    print(f"\ngate bundle: {args.tickets} tickets, {sizes[-1] / 1e6:.1f} MB sealed (base64)")
    table("seconds per bundle", ["build", "build + seal s", "its SELECT alone s", "build / SELECT"],
          [[name, f"{a:.3f}", f"{b:.3f}", c] for name, a, b, c in rows])
    report.update(builds=builds, selects=selects, shared=shared, size=sizes[-1], tables={"seconds": rows})
    write_json("gate_bundle", report, args.json)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
