"""Record sensitive actions in the hash-chained audit log.

``record`` appends within the request's transaction, so an action and its
audit entry commit or vanish together. Two concurrent appends compete for
the same ``seq`` (unique): the loser's transaction fails with a duplicate
key, which pyramid_retry replays (models/__init__.py).
"""
import json

from pyramid.events import subscriber
from sqlalchemy import select

from ..events import ContentTransitioned
from ..models.audit import GENESIS, AuditEntry
from .clock import now


def record(request, action, target_type, target_id, actor=None, **details):
    """Append one entry: who (``actor`` or the signed-in person) did what to what."""
    dbsession = request.dbsession
    if actor is None:
        actor = getattr(request, "identity", None)
    last = dbsession.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.entry_hash) if last else (1, GENESIS)
    entry = AuditEntry(
        seq=seq, at=now(request).replace(microsecond=0),
        actor_id=actor.id if actor is not None else None, action=action,
        target_type=target_type, target_id=str(target_id),
        details=json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=prev_hash,
    )
    entry.entry_hash = entry.compute_hash()
    dbsession.add(entry)
    dbsession.flush()
    return entry


@subscriber(ContentTransitioned)
def record_content_decision(event):
    """Publishing and sending back content are sensitive: they go in the log.

    An approval that changes an event's gate settings says which, from what
    to what (``settings``): who made a session phone-only is on record.
    """
    if event.audit_action:
        item = event.item
        extra = {"settings": event.changes} if event.changes else {}
        record(event.request, event.audit_action, "content", item.id, kind=item.kind,
               slug=item.slug, note=event.note, **extra)


def first_broken_entry(dbsession):
    """The first entry whose content or link was changed, or where one is missing.

    Returns ``(seq, why)`` or None when the whole chain holds.
    """
    prev_hash = GENESIS
    expected_seq = 1
    for entry in dbsession.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if entry.seq != expected_seq:
            return expected_seq, "missing"
        if entry.prev_hash != prev_hash:
            return entry.seq, "chain broken (an earlier entry was removed or changed)"
        if entry.compute_hash() != entry.entry_hash:
            return entry.seq, "content changed"
        prev_hash = entry.entry_hash
        expected_seq += 1
    return None


def head(dbsession):
    """The last entry as ``(seq, entry_hash)``, or None for an empty log.

    The chain alone cannot show that its last entries were removed: store
    the head outside the database and check it later with ``missing_head``.
    """
    last = dbsession.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (last.seq, last.entry_hash) if last else None


def parse_head(value):
    """``"SEQ:HASH"`` as ``(seq, hash)``; ValueError when it is not one."""
    seq, sep, digest = value.strip().partition(":")
    digest = digest.strip().lower()
    if not sep or not seq.strip().isdigit() or int(seq) < 1 or len(digest) != 64 \
            or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"expected SEQ:HASH (a sequence number and a 64-digit sha256), got {value!r}")
    return int(seq), digest


def missing_head(dbsession, seq, digest):
    """Why the log no longer reaches the head ``(seq, digest)`` noted earlier, or None.

    Meant after ``first_broken_entry`` found the chain whole: then the entry
    at ``seq`` holding ``digest`` vouches for every entry before it.
    """
    entry = dbsession.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).where(AuditEntry.seq == seq)
    ).first()
    if entry is None:
        current = head(dbsession)
        last = current[0] if current else 0
        return (f"expected head #{seq} is missing: the log ends at #{last}, "
                f"so entries #{last + 1} to #{seq} were removed")
    if entry.entry_hash != digest:
        return (f"expected head #{seq} sha256 {digest} differs from the stored "
                f"sha256 {entry.entry_hash}: the log was rewritten up to #{seq}")
    return None
