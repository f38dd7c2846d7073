"""``olympix audit verify INI``: check the audit log's hash chain.

Walks every entry in order (services.audit.first_broken_entry) and reports
the first one that was changed or removed, with exit status 1; prints
"audit log intact: N entries" and exits 0 when the chain holds.
"""
import sys

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEntry, get_engine
from ..services.audit import first_broken_entry
from .common import app_settings


def run_verify(args):
    settings = app_settings(args.ini)
    engine = get_engine(settings)
    try:
        with Session(engine) as dbsession:
            broken = first_broken_entry(dbsession)
            if broken is None:
                count = dbsession.scalar(select(func.count(AuditEntry.id)))
                print(f"audit log intact: {count} entries")
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
    verify.set_defaults(run=run_verify)
