"""``olympix audit verify INI [--expect-head SEQ:HASH]``: check the audit log's hash chain.

Walks every entry in order (services.audit.first_broken_entry) and reports
the first one that was changed or removed, with exit status 1; prints
"audit log intact: N entries, head #SEQ sha256 HASH" and exits 0 when the
chain holds.

The chain cannot show that its last entries were removed, so the printed
head is meant to be stored outside the database (by an operator or a
monitoring job) and given back as ``--expect-head SEQ:HASH``: the command
then also fails when the log no longer reaches that head.
"""
import sys

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEntry, get_engine
from ..services.audit import first_broken_entry, head, missing_head, parse_head
from .common import app_settings


def run_verify(args):
    expected = None
    if args.expect_head:
        try:
            expected = parse_head(args.expect_head)
        except ValueError as exc:
            print(f"--expect-head: {exc}", file=sys.stderr)
            return 2
    settings = app_settings(args.ini)
    engine = get_engine(settings)
    try:
        with Session(engine) as dbsession:
            broken = first_broken_entry(dbsession)
            if broken is None:
                if expected is not None:
                    why = missing_head(dbsession, *expected)
                    if why is not None:
                        print(f"audit log broken: {why}", file=sys.stderr)
                        return 1
                count = dbsession.scalar(select(func.count(AuditEntry.id)))
                current = head(dbsession)
                if current is None:
                    print(f"audit log intact: {count} entries")
                else:
                    print(f"audit log intact: {count} entries, head #{current[0]} sha256 {current[1]}")
                    print(f"store it outside the database; check later with --expect-head {current[0]}:{current[1]}")
                return 0
            seq, why = broken
            entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.seq == seq))
            if entry is None:
                print(f"audit log broken at seq {seq}: entry missing (removed)", file=sys.stderr)
            else:
                print(f"audit log broken at seq {seq} (id {entry.id}, action {entry.action}, "
                      f"{entry.target_type} {entry.target_id}, at {entry.at:%Y-%m-%d %H:%M:%S} UTC): {why}",
                      file=sys.stderr)
            return 1
    finally:
        engine.dispose()


def add_commands(sub):
    audit = sub.add_parser("audit", help="the audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = commands.add_parser("verify", help="check the hash chain; name the first changed or removed entry")
    verify.add_argument("ini")
    verify.add_argument("--expect-head", metavar="SEQ:HASH",
                        help="a head printed earlier: fail when the log no longer reaches it (last entries removed)")
    verify.set_defaults(run=run_verify)
