"""``olympix backup``, ``olympix restore`` and ``olympix stream-binlogs``.

    olympix backup INI --to DIR [--keep N]        snapshot now (site keeps selling); keep the newest N
    olympix restore INI --from FILE [--force] [--until "2026-08-01 14:03:00"]
    olympix stream-binlogs INI --to DIR           copy the binary logs as they are written (runs until stopped)

See docs/deployment.md for the schedule (deploy/) and a recovery step by step.
"""
import os
import subprocess
import sys

from ..backup import BackupError, operations
from ..backup.mariadb import stream_command
from .common import CommandError, app_settings


def _progress(message):
    print(message, file=sys.stderr, flush=True)


def _url(ini):
    return app_settings(ini)["sqlalchemy.url"]


def run_backup(args):
    url = _url(args.ini)
    if args.keep is not None and args.keep < 1:
        raise CommandError("--keep must be at least 1 (the snapshot just taken)")
    try:
        path, _body = operations.take(url, args.to, progress=_progress)
        if args.keep is not None:
            operations.prune(args.to, args.keep, progress=_progress)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write into {args.to}: {exc.strerror}") from None
    print(path)


def run_restore(args):
    url = _url(args.ini)
    try:
        operations.restore(url, args.source, force=args.force, until=args.until, progress=_progress)
    except BackupError as exc:
        raise CommandError(str(exc)) from None


def run_stream(args):
    url = _url(args.ini)
    if operations.engine_of(url) != "mariadb":
        raise CommandError("binary logs are MariaDB's: this ini points at SQLite")
    folder = os.path.join(args.to, operations.BINLOG_FOLDER)
    os.makedirs(folder, exist_ok=True)
    try:
        command, env = stream_command(url, folder, args.server_id)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    _progress(f"streaming binary logs from {command[-1]} into {folder}/ (stop with Ctrl-C or SIGTERM)")
    # mariadb-binlog itself does the copying; when the server goes away it
    # exits, and the supervisor (systemd Restart=always, deploy/) starts it
    # again from the newest file copied.
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


def add_commands(sub):
    p = sub.add_parser("backup", help="write a consistent snapshot (and prune old ones with --keep)")
    p.add_argument("ini")
    p.add_argument("--to", required=True, metavar="DIR", help="folder of the snapshots")
    p.add_argument("--keep", type=int, metavar="N", help="then keep only the newest N snapshots")
    p.set_defaults(run=run_backup)
    p = sub.add_parser("restore", help="restore a snapshot into an empty database, optionally to a point in time")
    p.add_argument("ini")
    p.add_argument("--from", dest="source", required=True, metavar="FILE", help="the snapshot file")
    p.add_argument("--force", action="store_true", help="replace the contents of a non-empty database")
    p.add_argument("--until", metavar="TIME",
                   help='replay the binary logs up to this moment ("2026-08-01 14:03:00", local time, '
                        'or ISO 8601 with an offset)')
    p.set_defaults(run=run_restore)
    p = sub.add_parser("stream-binlogs", help="copy MariaDB's binary logs into DIR/binlog as they are written")
    p.add_argument("ini")
    p.add_argument("--to", required=True, metavar="DIR", help="the snapshots' folder")
    p.add_argument("--server-id", type=int, default=0, help="replication id to use (unique per streamer)")
    p.set_defaults(run=run_stream)
