"""Rate limits shared by every application node: Redis, or the database.

A limit counts events (a failed sign-in, a mail sent) per key (an e-mail
address, a client address) in a sliding window. In production the counts
live in the shared store (``request.shared_store``, a sorted set per key,
scored by time); the embedded demo without Redis counts rows of
``throttle_hits`` written in the request's transaction. Keys are hashed: the
store never holds an address in clear. Time comes from the clock service,
so tests move it instead of sleeping.
"""
import hashlib
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

import redis
from sqlalchemy import delete, func, select

from ..models import ThrottleHit
from .clock import now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``window`` for one key."""

    name: str
    count: int
    window: timedelta


# ASVS 2.2.1: at most 100 failed tries an hour per account. 10 per quarter
# of an hour is 40 an hour, and a person who mistyped waits at most 15 min
# (or resets the password). The count is per e-mail typed, whether or not
# an account has it, so the answer says nothing about the account.
SIGN_IN_PER_ACCOUNT = Limit("signin-account", 10, timedelta(minutes=15))
# One address trying many accounts (credential stuffing); generous enough
# for a household or an office behind one NAT.
SIGN_IN_PER_ADDRESS = Limit("signin-address", 50, timedelta(minutes=15))
# "You already have an account": one mail an hour per account.
ACCOUNT_EXISTS_MAIL = Limit("exists-mail", 1, timedelta(hours=1))
# Password reset codes asked from one client address.
RESET_PER_ADDRESS = Limit("reset-address", 10, timedelta(hours=1))

_KEEP = timedelta(days=1)  # database rows older than any window are swept now and then


def _key(limit, value):
    digest = hashlib.sha256(str(value).strip().lower().encode("utf-8")).hexdigest()[:40]
    return f"{limit.name}:{digest}"


def count(request, limit, value):
    """Events of ``limit`` for ``value`` in its window."""
    key, current = _key(limit, value), now(request)
    since = current - limit.window
    store = request.shared_store
    if store is not None:
        try:
            redis_key = store.key("throttle", key)
            pipe = store.client.pipeline()
            pipe.zremrangebyscore(redis_key, "-inf", since.timestamp())
            pipe.zcard(redis_key)
            return pipe.execute()[1]
        except redis.RedisError as exc:
            # Fail open: a broken Redis must not lock everybody out.
            log.warning("throttle %s: shared store unavailable (%s)", limit.name, exc)
            return 0
    return request.dbsession.scalar(
        select(func.count(ThrottleHit.id)).where(ThrottleHit.key == key, ThrottleHit.at > since))


def exceeded(request, limit, value):
    return count(request, limit, value) >= limit.count


def hit(request, limit, value):
    """Count one event of ``limit`` for ``value``."""
    key, current = _key(limit, value), now(request)
    store = request.shared_store
    if store is not None:
        try:
            redis_key = store.key("throttle", key)
            pipe = store.client.pipeline()
            pipe.zadd(redis_key, {f"{current.timestamp()}:{secrets.token_hex(4)}": current.timestamp()})
            pipe.expire(redis_key, int(limit.window.total_seconds()) + 60)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("throttle %s: shared store unavailable (%s)", limit.name, exc)
        return
    request.dbsession.add(ThrottleHit(key=key, at=current))
    if random.random() < 0.02:  # noqa: S311 - housekeeping, not security
        request.dbsession.execute(delete(ThrottleHit).where(ThrottleHit.at < current - _KEEP))


def take(request, limit, value):
    """Count one event unless the limit is reached; False when it is."""
    if exceeded(request, limit, value):
        return False
    hit(request, limit, value)
    return True


def clear(request, limit, value):
    """Forget the events of ``limit`` for ``value`` (a successful sign-in)."""
    key = _key(limit, value)
    store = request.shared_store
    if store is not None:
        try:
            store.client.delete(store.key("throttle", key))
        except redis.RedisError as exc:
            log.warning("throttle %s: shared store unavailable (%s)", limit.name, exc)
        return
    request.dbsession.execute(delete(ThrottleHit).where(ThrottleHit.key == key))
