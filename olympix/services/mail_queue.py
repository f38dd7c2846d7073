"""Mail out of the request: a queue on Redis and ``olympix mail-worker`` (issue 15).

Sending over SMTP inside the request (even after commit) made "forgot my
password" and sign-up for a known address take visibly longer than for an
unknown one (a timing oracle), and a slow SMTP server slowed every
purchase. With ``olympix.email.backend = olympix.services.mail_queue.QueuedEmailSender``
and ``olympix.redis.url`` set, the request only pushes the rendered message
onto a Redis list once its transaction commits; the worker delivers.

The worker moves each message to a processing list while it delivers
(LMOVE), so a worker killed mid-delivery leaves it there, put back in the
queue at the next start. A message SMTP refuses is retried with back-off;
after ``olympix.mail.max_attempts`` tries it goes to a dead-letter list and
is logged. If Redis does not answer when a request pushes, the message is
delivered directly (logged as an error): slower, never lost silently.
"""
import base64
import json
import logging
import time

import redis
from zope.interface import implementer

from ..interfaces import IEmailSender
from .email import SMTPEmailSender, mime_bytes
from .shared_store import shared_store
from .transactions import after_commit

log = logging.getLogger(__name__)

QUEUE, PROCESSING, DEAD = "mail:queue", "mail:processing", "mail:dead"


def pack(message, attempts=0):
    """The message as the queue holds it: JSON with the MIME bytes (CRLF line ends)."""
    data = mime_bytes(message)
    return json.dumps({"sender": message.sender, "recipients": list(message.send_to),
                       "data": base64.b64encode(data).decode("ascii"), "attempts": attempts})


def unpack(raw):
    item = json.loads(raw)
    return item["sender"], item["recipients"], base64.b64decode(item["data"]), int(item.get("attempts", 0))


@implementer(IEmailSender)
class QueuedEmailSender:
    """Pushes each message onto the Redis queue after the request's transaction commits."""

    def __init__(self, store, smtp):
        self.store, self.smtp = store, smtp

    @classmethod
    def from_settings(cls, settings):
        store = shared_store(settings)
        if store is None:
            raise ValueError("olympix.services.mail_queue.QueuedEmailSender needs olympix.redis.url")
        return cls(store, SMTPEmailSender.from_settings(settings))

    def push(self, message):
        try:
            self.store.client.lpush(self.store.key(QUEUE), pack(message))
        except redis.RedisError:
            log.error("mail queue unavailable: delivering %r to %s directly", message.subject, message.send_to,
                      exc_info=True)
            self.smtp.deliver(message)

    def send(self, request, message):
        after_commit(request, lambda: self.push(message))


class Worker:
    """Delivers what the queue holds; ``run`` until told to stop or a bound is reached."""

    def __init__(self, store, smtp, max_attempts=5, max_backoff=60.0, sleep=time.sleep):
        self.store, self.smtp = store, smtp
        self.max_attempts, self.max_backoff, self.sleep = max_attempts, max_backoff, sleep
        self.stopping = False
        self.delivered = self.failed = self.dead = 0

    @property
    def keys(self):
        return self.store.key(QUEUE), self.store.key(PROCESSING), self.store.key(DEAD)

    def recover(self):
        """Messages a killed worker left in the processing list go back to the queue."""
        queue, processing, _dead = self.keys
        moved = 0
        while self.store.client.lmove(processing, queue, "RIGHT", "RIGHT") is not None:
            moved += 1
        return moved

    def one(self, block_seconds=1.0):
        """Deliver the oldest message, if any (waiting up to ``block_seconds``); True if one was taken."""
        queue, processing, dead = self.keys
        client = self.store.client
        raw = client.blmove(queue, processing, block_seconds, "RIGHT", "LEFT") if block_seconds else \
            client.lmove(queue, processing, "RIGHT", "LEFT")
        if raw is None:
            return False
        sender, recipients, data, attempts = unpack(raw)
        try:
            self.smtp.deliver_raw(sender, recipients, data)
        except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
            attempts += 1
            item = json.loads(raw)
            item["attempts"] = attempts
            if attempts >= self.max_attempts:
                client.lpush(dead, json.dumps(item))
                self.dead += 1
                log.error("mail to %s dead after %d attempts: %s", recipients, attempts, exc)
            else:
                client.lpush(queue, json.dumps(item))
                self.failed += 1
                log.warning("mail to %s failed (attempt %d): %s", recipients, attempts, exc)
                self.sleep(min(self.max_backoff, 2 ** attempts))
        else:
            self.delivered += 1
        client.lrem(processing, 1, raw)
        return True

    def run(self, max_messages=None, once=False):
        """Deliver until stopped; ``once``: until the queue is empty; ``max_messages``: at most that many."""
        self.recover()
        taken = 0
        while not self.stopping and (max_messages is None or taken < max_messages):
            if self.one(block_seconds=0 if once else 1.0):
                taken += 1
            elif once:
                break
        return taken
