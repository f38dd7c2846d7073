"""Bearer tokens of scanning devices, as authentication sees them.

A token is ``oxg_`` + 43 URL-safe characters (256 random bits). Since it is
random and long, a plain SHA-256 is the right storage (no salt or slow hash
needed: there is nothing to guess), and lookup is one indexed equality.
The gate issues tokens (``olympix/gate/tokens.py``) with the same prefix
and hash; the security policy finds the live one behind a request here.
"""
import hashlib
import threading
import time

from sqlalchemy import inspect, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..models import User
from ..models.gate import DeviceToken, Gate

PREFIX = "oxg_"
_MAX_LENGTH = 100
#: A live token's (token, agent, gate) is kept this long per process: the
#: gate's hot path then reads only the ticket (issue #11.4). Revoking a token
#: or closing a gate forgets it at once in this process; other processes
#: stop honouring it within this time.
CACHE_SECONDS = 5.0
_CACHE_SIZE = 10_000
_cache = {}
_cache_lock = threading.Lock()


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


def forget_all():
    """Drop every cached token of this process (a token revoked, a gate closed, an agent changed)."""
    with _cache_lock:
        _cache.clear()


def find_live(dbsession, token):
    """(DeviceToken, agent User, Gate) for a live token, or None.

    Live: not revoked, its gate active. Whether the agent may still scan is
    for the security policy to say (active account, agent role). A hit of
    the process's cache costs no statement: detached copies of the rows
    (the token, its agent, its gate and the gate's venue) are merged into
    the request's session without loading (``merge(load=False)``, the
    pattern of SQLAlchemy's caching examples), so each request has objects
    of its own and ``token.gate``/``gate.venue`` come from the identity map.
    """
    digest = token_hash(token)
    with _cache_lock:
        cached = _cache.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        venue, gate, agent, token_row = (dbsession.merge(copy, load=False) for copy in cached[1])
        # The relationships the gate reads, set as loaded: no lazy load.
        set_committed_value(gate, "venue", venue)
        set_committed_value(token_row, "gate", gate)
        set_committed_value(token_row, "agent", agent)
        return token_row, agent, gate
    row = dbsession.execute(
        select(DeviceToken, User, Gate)
        .join(User, User.id == DeviceToken.agent_id)
        .join(Gate, Gate.id == DeviceToken.gate_id)
        .where(DeviceToken.token_sha256 == digest, DeviceToken.revoked_at.is_(None),
               Gate.active.is_(True))
    ).first()
    if row is None:
        return None
    token_row, agent, gate = row
    copies = tuple(_detached_copy(obj) for obj in (gate.venue, gate, agent, token_row))
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[digest] = (time.monotonic() + CACHE_SECONDS, copies)
    return token_row, agent, gate


def _detached_copy(obj):
    """A detached copy of a loaded row's columns (no session, no relationship state)."""
    mapper = inspect(obj).mapper
    copy = mapper.class_manager.new_instance()
    for attr in mapper.column_attrs:
        set_committed_value(copy, attr.key, getattr(obj, attr.key))
    make_transient_to_detached(copy)
    return copy
