"""The one ``olympix`` command; each sub-command takes the ini file.

    olympix db upgrade development.ini
    olympix create-user development.ini --email E --first-name F --last-name L --role admin
    olympix seed-demo development.ini [--demo-password P]
    olympix mail-sink [--port 8025] [--folder var/mail]
    olympix onsale development.ini --event CODE --at ISO_TIME [--rate PER_MINUTE] [--phase NAME]

Each module below adds its own sub-commands with ``add_commands(sub)``.
"""
import argparse
import logging
import sys

from . import audit, backup, booking, db, demo, gate, mailsink, mailworker, onsale, tickets, users
from .common import CommandError

MODULES = (db, users, demo, mailsink, mailworker, booking, onsale, gate, tickets, audit, backup)


def build_parser():
    parser = argparse.ArgumentParser(prog="olympix", description="olympix administration")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in MODULES:
        module.add_commands(sub)
    return parser


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except CommandError as exc:
        print(f"olympix {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
