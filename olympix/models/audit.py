"""Audit log of sensitive actions: append-only, each entry chained by hash.

Each row holds the SHA-256 of its own content and of the previous row's
hash, so changing or removing a row breaks the chain from that row on
(``olympix audit verify`` names the first broken entry).
"""
import hashlib
import json
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, UTCDateTime

GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. "role.change", "order.refund"
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)  # JSON, sorted keys
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)

    def compute_hash(self):
        return entry_hash(self.seq, self.at, self.actor_id, self.action, self.target_type,
                          self.target_id, self.details, self.prev_hash)


def entry_hash(seq, at, actor_id, action, target_type, target_id, details, prev_hash):
    payload = json.dumps(
        [seq, at.strftime("%Y-%m-%dT%H:%M:%S"), actor_id, action, target_type, str(target_id),
         details, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()
