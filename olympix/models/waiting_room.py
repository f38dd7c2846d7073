"""The waiting room's fallback on the database (issue 11).

Production keeps the queue in Redis (``olympix.redis.url``), shared by every
node and never touching MariaDB; without Redis (the embedded SQLite demo, one
process) the same queue lives in these two tables. ``queue_key`` is a sale
phase or an event's code.
"""
from datetime import datetime

from sqlalchemy import Double, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, UTCDateTime


class QueuePlace(Base):
    """One account's place in one queue, and the pass it was given once admitted."""

    __tablename__ = "queue_places"
    __table_args__ = (
        UniqueConstraint("queue_key", "user_id", name="uq_queue_places_queue_key_user_id"),
        Index("ix_queue_places_queue_key_score", "queue_key", "score"),
        Index("ix_queue_places_queue_key_address", "queue_key", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_key: Mapped[str] = mapped_column(String(64))
    # No foreign key: a place is a counter, like its Redis twin; deleting an
    # account must not wait on a queue.
    user_id: Mapped[int] = mapped_column(Integer)
    #: Random in [0, 1) for the arrivals before the opening, 1 + seconds
    #: after the opening for later ones: the order of admission.
    score: Mapped[float] = mapped_column(Double)
    address: Mapped[str] = mapped_column(String(45), default="")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The browser the pass was given to, and until when it is valid.
    pass_browser: Mapped[str | None] = mapped_column(String(32))
    pass_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QueueState(Base):
    """How far admission has gone in one queue (the cursor over the places by score)."""

    __tablename__ = "queue_states"

    queue_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[float] = mapped_column(Double, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
