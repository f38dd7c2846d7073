"""The store every application node shares for short-lived counters and queues.

Production names a Redis server (``olympix.redis.url``, e.g.
``redis://10.0.0.5:6379/0``): rate limits, the waiting room and other
per-second state then live there, seen alike by every node, without
writing to the database. The embedded default has no Redis (an empty
setting): each feature then falls back on the database, which is enough for
one process and a demo.

Keys are namespaced by ``olympix.redis.prefix`` so several deployments (or
test runs) can share one server.
"""
import redis


class SharedStore:
    """A Redis client and the prefix of this deployment's keys."""

    def __init__(self, client, prefix):
        self.client = client
        self.prefix = prefix

    def key(self, *parts):
        return self.prefix + ":".join(str(p) for p in parts)


def shared_store(settings):
    """The SharedStore named by the settings, or None for the database fallback."""
    url = settings.get("olympix.redis.url", "")
    if not url:
        return None
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                  health_check_interval=30)
    return SharedStore(client, settings.get("olympix.redis.prefix", "olympix:"))
