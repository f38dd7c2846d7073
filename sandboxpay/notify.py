"""Delivery of signed notifications (webhooks) to the merchant's notify_url.

Delivery is best effort, like the brief of a sandbox asks: one attempt per
notification, failures logged and never raised.  The test cards decide
whether a notification is sent now, later (background thread), twice or
never.
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
    def __init__(self, secret: str, delay: float = 5.0, timeout: float = 5.0):
        self.secret = secret
        self.delay = delay
        self.timeout = timeout
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def dispatch(self, url: str, event: dict, mode: str = cards.NOTIFY_NOW) -> None:
        """Send ``event`` according to the test-card ``mode``."""
        session_id = event["data"].get("id")
        if mode == cards.NOTIFY_LOST:
            log.info("notification %s for %s deliberately lost", event["id"], session_id)
            return
        if mode == cards.NOTIFY_DELAYED:
            log.info("notification %s for %s delayed %.1fs",
                     event["id"], session_id, self.delay)
            timer = threading.Timer(self.delay, self.send, (url, event))
            timer.daemon = True
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(timer)
            timer.start()
            return
        self.send(url, event)
        if mode == cards.NOTIFY_TWICE:
            self.send(url, event)

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
        """Wait for pending delayed notifications (tests and shutdown)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
