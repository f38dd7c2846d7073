"""Gates (entrances of a venue), every scan made at them, and device tokens.

A scan row is written for every code presented, readable or not, so the
record of a gate is complete: ``ticket_id`` is empty when the code could not
be read or matched no ticket. The raw text is never kept whole (a valid
code is a bearer credential for its ticket): only a short excerpt to
diagnose misconfigured scanners, and its SHA-256.
"""
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .catalogue import Venue
from .meta import Base, UTCDateTime

if TYPE_CHECKING:  # only for the annotations of the relationships
    from .accounts import User
    from .tickets import Ticket


class Verdict(StrEnum):
    ADMIT = "admit"
    DENY = "deny"


class Gate(Base):
    __tablename__ = "gates"
    __table_args__ = (UniqueConstraint("venue_id", "name", name="uq_gates_venue_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # slug used by devices and commands
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    venue: Mapped[Venue] = relationship(lazy="joined")


class Scan(Base):
    __tablename__ = "scans"
    __table_args__ = (Index("ix_scans_agent_id_at", "agent_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    gate_id: Mapped[int] = mapped_column(ForeignKey("gates.id"), index=True)
    device_token_id: Mapped[int | None] = mapped_column(ForeignKey("gate_device_tokens.id"))
    verdict: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    code_excerpt: Mapped[str] = mapped_column(String(16), default="")
    code_sha256: Mapped[str] = mapped_column(String(64))
    # A scan a gate made offline and uploaded later (POST /api/gate/sync):
    # the device's nonce (unique: a replayed upload changes nothing), and for
    # a ticket two gates admitted offline, the other admission.
    nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    offline: Mapped[bool] = mapped_column(default=False, server_default=false())
    related_scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"))

    gate: Mapped[Gate] = relationship()
    ticket: Mapped["Ticket | None"] = relationship()
    agent: Mapped["User"] = relationship()


class DeviceToken(Base):
    """A bearer token for one scanning device: one gate, one agent.

    Only the SHA-256 of the token is stored (the token is random, 256 bits,
    so a plain hash is enough: nothing to brute-force); it is shown once.
    """

    __tablename__ = "gate_device_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    gate_id: Mapped[int] = mapped_column(ForeignKey("gates.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    gate: Mapped[Gate] = relationship()
    agent: Mapped["User"] = relationship(foreign_keys=[agent_id])
