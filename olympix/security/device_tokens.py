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
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from ..models import User, Venue
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


@dataclass(frozen=True, slots=True)
class DeviceVenue:
    """What a device's request reads of its gate's venue (read-only, no session)."""
    id: int
    name_fr: str
    name_en: str
    tz: str
    name = Venue.name


@dataclass(frozen=True, slots=True)
class DeviceGate:
    id: int
    code: str
    name: str
    venue_id: int
    venue: DeviceVenue


@dataclass(frozen=True, slots=True)
class DeviceAgent:
    """The agent a token was made for: the request's identity (``id``, ``role``, ``is_active``)."""
    id: int
    role: str
    state: str
    first_name: str
    last_name: str
    locale: str
    is_active = User.is_active
    full_name = User.full_name


@dataclass(frozen=True, slots=True)
class LiveToken:
    id: int
    label: str
    gate: DeviceGate
    agent: DeviceAgent


_LIVE = (select(DeviceToken.id, DeviceToken.label, Gate.id, Gate.code, Gate.name, Venue.id, Venue.name_fr,
                Venue.name_en, Venue.tz, User.id, User.role, User.state, User.first_name, User.last_name,
                User.locale)
         .join(User, User.id == DeviceToken.agent_id)
         .join(Gate, Gate.id == DeviceToken.gate_id)
         .join(Venue, Venue.id == Gate.venue_id)
         .where(DeviceToken.token_sha256 == bindparam("digest"), DeviceToken.revoked_at.is_(None),
                Gate.active.is_(True)))


def find_live(dbsession, token):
    """(LiveToken, DeviceAgent, DeviceGate) for a live token, or None.

    Live: not revoked, its gate active. Whether the agent may still scan is
    for the security policy to say (active account, agent role). The values
    are plain and frozen, not rows of the request's session: a hit of the
    process's cache costs no statement and builds nothing (merging four
    cached rows into each request's session was 5% of a scan's CPU, and a
    miss loading them as ORM objects, the agent's sealed key unsealed, 11%:
    issue 11.4, py-spy). Code that needs a row reads it by id.
    """
    digest = token_hash(token)
    with _cache_lock:
        cached = _cache.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    # Built once, run on the session's connection: no statement built and
    # cached again per miss, no autoflush.
    row = dbsession.connection().execute(_LIVE, {"digest": digest}).first()
    if row is None:
        return None
    (token_id, label, gate_id, code, name, venue_id, name_fr, name_en, tz,
     agent_id, role, state, first_name, last_name, locale) = row
    gate = DeviceGate(gate_id, code, name, venue_id, DeviceVenue(venue_id, name_fr, name_en, tz))
    agent = DeviceAgent(agent_id, role, state, first_name, last_name, locale)
    found = (LiveToken(token_id, label, gate, agent), agent, gate)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[digest] = (time.monotonic() + CACHE_SECONDS, found)
    return found
