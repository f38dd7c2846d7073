"""Delivery of signed notifications (webhooks) to the merchant's notify_url.

Delivery is retried the way real providers do it: a notification that
fails (no answer, or any status outside 2xx: a merchant whose database is
down answers 503) is sent again after 1, 2, 4, 8… seconds (capped at
``max_backoff``), up to ``retries`` more times, from background timers.
Failures are logged and never raised. The test cards decide whether a
notification is sent now, later (background thread), twice or never.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request

from sandboxpay import cards
from sandboxpay.signing import SIGNATURE_HEADER, sign_body
from sandboxpay.store import new_id

log = logging.getLogger(__name__)

# Never go through an HTTP proxy from the environment: the merchant is local.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def build_event(event_type: str, data: dict, now: int | None = None) -> dict:
    return {
        "id": new_id("evt"),
        "object": "event",
        "type": event_type,
        "created": int(now if now is not None else time.time()),
        "data": data,
    }


class Notifier:
    def __init__(self, secret: str, delay: float = 5.0, timeout: float = 5.0,
                 retries: int = 8, backoff: float = 1.0, max_backoff: float = 60.0):
        self.secret = secret
        self.delay = delay
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _later(self, seconds: float, fn, *args) -> None:
        timer = threading.Timer(seconds, fn, args)
        timer.daemon = True
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(timer)
        timer.start()

    def dispatch(self, url: str, event: dict, mode: str = cards.NOTIFY_NOW) -> None:
        """Send ``event`` according to the test-card ``mode``."""
        session_id = event["data"].get("id")
        if mode == cards.NOTIFY_LOST:
            log.info("notification %s for %s deliberately lost", event["id"], session_id)
            return
        if mode == cards.NOTIFY_DELAYED:
            log.info("notification %s for %s delayed %.1fs",
                     event["id"], session_id, self.delay)
            self._later(self.delay, self.deliver, url, event)
            return
        self.deliver(url, event)
        if mode == cards.NOTIFY_TWICE:
            self.deliver(url, event)

    def deliver(self, url: str, event: dict, attempt: int = 0) -> None:
        """Send ``event``; on failure, send it again later with backoff (bounded)."""
        status = self.send(url, event)
        if status is not None and 200 <= status < 300:
            return
        if attempt >= self.retries:
            log.warning("notification %s to %s abandoned after %d attempts",
                        event["id"], url, attempt + 1)
            return
        wait = min(self.backoff * 2 ** attempt, self.max_backoff)
        log.info("notification %s to %s: retry %d in %.1fs", event["id"], url, attempt + 1, wait)
        self._later(wait, self.deliver, url, event, attempt + 1)

    def send(self, url: str, event: dict) -> int | None:
        """POST one signed notification; returns the HTTP status or None on failure."""
        body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "User-Agent": "sandboxpay-notifier/1",
            SIGNATURE_HEADER: sign_body(self.secret, body, int(time.time())),
        })
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            log.warning("notification %s (%s) to %s failed: %s",
                        event["id"], event["type"], url, exc)
            return None
        level = logging.INFO if 200 <= status < 300 else logging.WARNING
        log.log(level, "notification %s (%s) to %s: HTTP %s",
                event["id"], event["type"], url, status)
        return status

    def join(self, timeout: float | None = None) -> None:
        """Wait for pending delayed notifications and retries (tests and shutdown).

        A retry scheduled while waiting is waited for too, within ``timeout``.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                threads = [t for t in self._threads if t.is_alive()]
            if not threads:
                return
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            threads[0].join(left)

    def cancel(self) -> None:
        """Drop every pending delayed notification and retry (shutdown)."""
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            if isinstance(thread, threading.Timer):
                thread.cancel()
