"""Bearer tokens of scanning devices, as authentication sees them.

A token is ``oxg_`` + 43 URL-safe characters (256 random bits). Since it is
random and long, a plain SHA-256 is the right storage (no salt or slow hash
needed: there is nothing to guess), and lookup is one indexed equality.
The gate issues tokens (``olympix/gate/tokens.py``) with the same prefix
and hash; the security policy finds the live one behind a request here.
"""
import hashlib

from sqlalchemy import select

from ..models import User
from ..models.gate import DeviceToken, Gate

PREFIX = "oxg_"
_MAX_LENGTH = 100


def token_hash(token):
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_from_header(value):
    """The token of an ``Authorization: Bearer …`` header, or None."""
    if not value or not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > _MAX_LENGTH or not token.isascii():
        return None
    return token


def find_live(dbsession, token):
    """(DeviceToken, agent User, Gate) for a live token, or None.

    Live: not revoked, its gate active. Whether the agent may still scan is
    for the security policy to say (active account, agent role).
    """
    row = dbsession.execute(
        select(DeviceToken, User, Gate)
        .join(User, User.id == DeviceToken.agent_id)
        .join(Gate, Gate.id == DeviceToken.gate_id)
        .where(DeviceToken.token_sha256 == token_hash(token), DeviceToken.revoked_at.is_(None),
               Gate.active.is_(True))
    ).first()
    return None if row is None else tuple(row)
