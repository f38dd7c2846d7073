"""People's accounts and their verification codes."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .meta import Base, UTCDateTime, sealed_key_type


class UserState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DELETED = "deleted"


class ImmutableKeyError(Exception):
    """Something tried to change a key that is made once and never changed."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")
    state: Mapped[str] = mapped_column(String(16), default=UserState.PENDING)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    # 32 random bytes sealed with AES-GCM (security/atrest.py): 1 + 12 + 32 + 16.
    user_key: Mapped[bytes] = mapped_column(sealed_key_type())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    codes: Mapped[list["VerificationCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("user_key")
    def _user_key_is_set_once(self, key, value):
        state = inspect(self)
        if (state.persistent or state.detached) and self.__dict__.get("user_key") not in (None, value):
            raise ImmutableKeyError("user_key never changes")
        return value

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self):
        return self.state == UserState.ACTIVE


@event.listens_for(User, "before_update")
def _refuse_user_key_update(mapper, connection, target):
    # The validator above catches ordinary assignments; this catches the
    # rest (set_committed_value, attribute history games) before SQL runs.
    # The database refuses it too, with a trigger (alembic revision 0001).
    if inspect(target).attrs.user_key.history.has_changes():
        raise ImmutableKeyError("user_key never changes")


class VerificationCode(Base):
    """A six-character code sent by e-mail or SMS; stored as an HMAC."""

    __tablename__ = "verification_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # activate | email
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    target: Mapped[str | None] = mapped_column(String(254))  # the new address for purpose=email
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts_left: Mapped[int] = mapped_column(Integer)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why and when a code stopped working before use: "wrong_tries" (the
    # last try spent on a wrong code, an anomaly in the managers' figures)
    # or "replaced" (a new code was sent). None while live, used or expired.
    voided_reason: Mapped[str | None] = mapped_column(String(16))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="codes")

    def is_live(self, now):
        return self.used_at is None and self.attempts_left > 0 and now < self.expires_at


class AuthSession(Base):
    """A signed-in session, kept server-side so that it can be ended.

    The cookie carries a random token; the row is keyed by the token's
    SHA-256, so a copy of the table opens no session. Sign-out, a password
    change or reset, deactivation and "sign out everywhere" set
    ``revoked_at``; ``expires_at`` is the absolute lifetime, however active
    the session is.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_live(self, now):
        return self.revoked_at is None and now < self.expires_at


class ThrottleHit(Base):
    """One counted event (a failed sign-in, a mail sent) of a rate limit.

    The database fallback of the shared store (services/throttle.py) for
    the embedded demo without Redis: a limit counts the rows of its key
    in its window.
    """

    __tablename__ = "throttle_hits"
    __table_args__ = (Index("ix_throttle_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
