"""``deploy/local-cluster up|status|down|drill`` (see olympix/cluster/__init__.py)."""
import argparse
import sys

from .drill import Drill
from .layout import Layout
from .local import Cluster
from .mariadbd import MissingTool


def print_status(cluster):
    rows = cluster.status()
    print(f"{'part':<12} {'port':>5} {'pid':>7}  health")
    for part, port, pid, health in rows:
        print(f"{part:<12} {port:>5} {pid or '-':>7}  {health}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="deploy/local-cluster",
                                     description="three Galera nodes, HAProxy, two olympix nodes, sandboxpay")
    parser.add_argument("--base", default=None, help="folder of the cluster (default var/cluster)")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("up", help="start whatever part is not running")
    sub.add_parser("status", help="each part, its port, its pid and its health")
    sub.add_parser("down", help="stop everything up started")
    drill = sub.add_parser("drill", help="a sale through both application nodes while database nodes die")
    drill.add_argument("--buyers", type=int, default=6, help="concurrent buyers (default 6)")
    drill.add_argument("--purchases", type=int, default=60, help="purchases at most (default 60)")
    drill.add_argument("--seconds", type=float, default=150, help="time limit of the sale (default 150)")
    drill.add_argument("--capacity", type=int, default=70, help="seats of the drill's event (default 70)")
    drill.add_argument("--spread", type=float, default=40,
                       help="seconds over which purchases start (default 40)")
    args = parser.parse_args(argv)
    layout = Layout() if args.base is None else Layout(base=args.base)
    cluster = Cluster(layout)
    try:
        if args.action == "up":
            cluster.up()
            print_status(cluster)
        elif args.action == "status":
            print_status(cluster)
        elif args.action == "down":
            cluster.down()
        else:
            # A drill on a cluster that was not running stops what it started,
            # even when it fails; one that was running is left running.
            was_running = any(pid for _part, _port, pid, _health in cluster.status())
            try:
                cluster.up()
                report = Drill(cluster, buyers=args.buyers, purchases=args.purchases, seconds=args.seconds,
                               capacity=args.capacity, spread=args.spread).run_cluster()
            finally:
                if not was_running:
                    cluster.down()
            print(report.text())
            return 0 if report.ok() else 1
    except MissingTool as exc:
        print(f"local-cluster: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"local-cluster {args.action}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
