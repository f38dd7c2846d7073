"""Where the waiting room keeps its queues: Redis for every node, or the database.

Both back ends do the same three things, each atomically:

- ``poll``: move the admission cursor forward (a leaky bucket: ``rate``
  places a second since the last poll, never more than ``burst`` beyond the
  queue's length, so an empty queue does not bank admissions for a later
  crowd), join the account if it has no place yet (at most
  ``per_address`` places per client address), and answer the account's
  rank (0-based, by score), the cursor and the length;
- ``claim_pass``: give the account's pass to one browser, once;
- ``requeue``: send an account whose pass ran out to the back.

Redis does ``poll`` in one Lua script (one round trip, atomic across
nodes); the database does it in the request's transaction with the queue's
state row locked.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, func, select, update

from ..models import QueuePlace, QueueState


@dataclass(frozen=True)
class Polled:
    rank: int | None  # None: no place (not joined, or refused)
    cursor: float  # places with rank < cursor are admitted
    length: int
    refused: bool = False  # too many places from this address


def _at(ts):
    return datetime.fromtimestamp(ts, timezone.utc)


POLL_SCRIPT = """
local len = redis.call('ZCARD', KEYS[1])
local now, opens = tonumber(ARGV[3]), tonumber(ARGV[4])
local st = redis.call('HMGET', KEYS[2], 'c', 't')
local cursor, t = 0, opens
if st[1] then cursor = tonumber(st[1]); t = tonumber(st[2]) end
if now > t then
  cursor = math.max(cursor, math.min(cursor + (now - t) * tonumber(ARGV[5]), len + tonumber(ARGV[6])))
  redis.call('HSET', KEYS[2], 'c', tostring(cursor), 't', tostring(now))
  redis.call('EXPIRE', KEYS[2], ARGV[9])
end
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
local refused = 0
if (not rank) and ARGV[8] == '1' then
  local n = redis.call('INCR', KEYS[3])
  if n == 1 then redis.call('EXPIRE', KEYS[3], ARGV[9]) end
  if n > tonumber(ARGV[7]) then
    refused = 1
  else
    redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
    redis.call('EXPIRE', KEYS[1], ARGV[9])
    rank = redis.call('ZRANK', KEYS[1], ARGV[1])
    len = len + 1
  end
end
if not rank then rank = -1 end
return {rank, tostring(cursor), len, refused}
"""


class RedisQueue:
    """The queues on the shared Redis (``request.shared_store``)."""

    def __init__(self, store):
        self.store = store
        self.client = store.client
        self._poll = self.client.register_script(POLL_SCRIPT)

    def _keys(self, queue, address=""):
        return (self.store.key("queue", queue, "places"), self.store.key("queue", queue, "state"),
                self.store.key("queue", queue, "address", address))

    def poll(self, queue, user_id, score, address, now, opens, rate, burst, per_address, join, ttl):
        rank, cursor, length, refused = self._poll(
            keys=self._keys(queue, address),
            args=[user_id, repr(score), repr(now), repr(opens), repr(rate), repr(burst), per_address,
                  "1" if join else "0", int(ttl)])
        return Polled(None if rank < 0 else int(rank), float(cursor), int(length), bool(refused))

    def claim_pass(self, queue, user_id, browser, until, ttl):
        """``(browser, until)`` of the account's pass: this one's if none was given yet."""
        key = self.store.key("queue", queue, "pass", user_id)
        if self.client.set(key, f"{browser}|{until!r}", nx=True, ex=int(ttl)):
            return browser, until
        value = self.client.get(key)
        if value is None:  # expired between the two calls: try once more
            self.client.set(key, f"{browser}|{until!r}", ex=int(ttl))
            return browser, until
        owner, _, given_until = value.decode().partition("|")
        return owner, float(given_until)

    def requeue(self, queue, user_id, score):
        places, _state, _address = self._keys(queue)
        self.client.zadd(places, {str(user_id): score}, xx=True)
        self.client.delete(self.store.key("queue", queue, "pass", user_id))

    def summary(self, queue):
        """``(length, cursor)`` without moving anything (the back office)."""
        places, state, _address = self._keys(queue)
        cursor = self.client.hget(state, "c")
        return int(self.client.zcard(places)), float(cursor or 0)

    def clear(self, queue):
        keys = list(self.client.scan_iter(match=self.store.key("queue", queue, "*"), count=1000))
        if keys:
            self.client.delete(*keys)


class DatabaseQueue:
    """The same queues as rows (SQLite demo, one process): see models/waiting_room.py."""

    def __init__(self, dbsession):
        self.db = dbsession

    def _state(self, queue, opens):
        state = self.db.scalar(select(QueueState).where(QueueState.queue_key == queue).with_for_update())
        if state is None:
            state = QueueState(queue_key=queue, cursor=0.0, updated_at=_at(opens))
            self.db.add(state)
            self.db.flush()
        return state

    def _rank(self, queue, place):
        return self.db.scalar(select(func.count(QueuePlace.id)).where(
            QueuePlace.queue_key == queue,
            (QueuePlace.score < place.score) | ((QueuePlace.score == place.score)
                                                & (QueuePlace.id < place.id))))

    def poll(self, queue, user_id, score, address, now, opens, rate, burst, per_address, join, ttl):
        state = self._state(queue, opens)
        length = self.db.scalar(select(func.count(QueuePlace.id)).where(QueuePlace.queue_key == queue))
        last = state.updated_at.timestamp()
        if now > last:
            state.cursor = max(state.cursor, min(state.cursor + (now - last) * rate, length + burst))
            state.updated_at = _at(now)
        place = self.db.scalar(select(QueuePlace).where(QueuePlace.queue_key == queue,
                                                        QueuePlace.user_id == user_id))
        if place is None and join:
            taken = self.db.scalar(select(func.count(QueuePlace.id)).where(
                QueuePlace.queue_key == queue, QueuePlace.address == address))
            if taken >= per_address:
                return Polled(None, state.cursor, length, refused=True)
            place = QueuePlace(queue_key=queue, user_id=user_id, score=score, address=address,
                               joined_at=_at(now))
            self.db.add(place)
            self.db.flush()
            length += 1
        rank = None if place is None else self._rank(queue, place)
        return Polled(rank, state.cursor, length)

    def claim_pass(self, queue, user_id, browser, until, ttl):
        place = self.db.scalar(select(QueuePlace).where(QueuePlace.queue_key == queue,
                                                        QueuePlace.user_id == user_id))
        if place.pass_browser is None:
            place.pass_browser, place.pass_until = browser, _at(until)
            self.db.flush()
        return place.pass_browser, place.pass_until.timestamp()

    def requeue(self, queue, user_id, score):
        self.db.execute(update(QueuePlace).where(QueuePlace.queue_key == queue, QueuePlace.user_id == user_id)
                        .values(score=score, pass_browser=None, pass_until=None))

    def summary(self, queue):
        length = self.db.scalar(select(func.count(QueuePlace.id)).where(QueuePlace.queue_key == queue))
        cursor = self.db.scalar(select(QueueState.cursor).where(QueueState.queue_key == queue))
        return int(length), float(cursor or 0)

    def clear(self, queue):
        self.db.execute(delete(QueuePlace).where(QueuePlace.queue_key == queue))
        self.db.execute(delete(QueueState).where(QueueState.queue_key == queue))


def queue_backend(request):
    """Redis when the deployment names one, else the database."""
    store = request.shared_store
    if store is not None:
        backend = store.__dict__.get("_waiting_room")
        if backend is None:  # one registered script per store, not per request
            backend = store.__dict__["_waiting_room"] = RedisQueue(store)
        return backend
    return DatabaseQueue(request.dbsession)
