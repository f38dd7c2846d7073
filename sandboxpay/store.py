"""Persistence of checkout sessions, refunds and idempotency keys (sqlite3).

One connection guarded by a lock: the sandbox is small, and this makes every
operation (including the idempotency check-then-insert and the refund
balance check) atomic across waitress threads.  ``":memory:"`` works for tests.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reference TEXT NOT NULL,
    description TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'en',
    success_url TEXT NOT NULL,
    cancel_url TEXT NOT NULL,
    notify_url TEXT NOT NULL,
    status TEXT NOT NULL,
    brand TEXT,
    last4 TEXT,
    payment_id TEXT UNIQUE,
    failure_reason TEXT,
    failure_message TEXT,
    created INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    completed INTEGER
);
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES sessions (payment_id),
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_refunds_payment ON refunds (payment_id);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    object_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
"""

OPEN, PAID, FAILED, CANCELED, EXPIRED = "open", "paid", "failed", "canceled", "expired"


class IdempotencyMismatch(Exception):
    """The idempotency key was already used with different parameters."""


class RefundError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class Store:
    def __init__(self, path: str = ":memory:"):
        if path != ":memory:":
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False,
                                     isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.executescript(SCHEMA)
            # A sandbox file made before sessions had a locale (var/sandboxpay.sqlite).
            columns = {row["name"] for row in self._conn.execute("PRAGMA table_info(sessions)")}
            if "locale" not in columns:
                self._conn.execute("ALTER TABLE sessions ADD COLUMN locale TEXT NOT NULL DEFAULT 'en'")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- helpers -----------------------------------------------------------
    def _tx(self):
        return _Transaction(self._lock, self._conn)

    def _idempotent(self, scope, key, fingerprint):
        """Object id already made under (scope, key), or None; raises on mismatch."""
        row = self._conn.execute(
            "SELECT fingerprint, object_id FROM idempotency WHERE scope=? AND key=?",
            (scope, key)).fetchone()
        if row is None:
            return None
        if row["fingerprint"] != fingerprint:
            raise IdempotencyMismatch(key)
        return row["object_id"]

    def _remember(self, scope, key, fingerprint, object_id, now):
        self._conn.execute(
            "INSERT INTO idempotency (scope, key, fingerprint, object_id, created)"
            " VALUES (?, ?, ?, ?, ?)", (scope, key, fingerprint, object_id, now))

    # -- sessions ----------------------------------------------------------
    def create_session(self, params: dict, ttl: int, idempotency_key: str | None,
                       now: int | None = None) -> tuple[dict, bool]:
        """Create a session; returns (session, created) — created is False on replay."""
        now = int(now if now is not None else time.time())
        fingerprint = json.dumps(params, sort_keys=True)
        with self._tx():
            if idempotency_key:
                existing = self._idempotent("session", idempotency_key, fingerprint)
                if existing:
                    return self._get_session(existing, now), False
            session_id = new_id("cs_test")
            self._conn.execute(
                "INSERT INTO sessions (id, amount, currency, reference, description, locale,"
                " success_url, cancel_url, notify_url, status, created, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, params["amount"], params["currency"], params["reference"],
                 params["description"], params.get("locale", "en"), params["success_url"], params["cancel_url"],
                 params["notify_url"], OPEN, now, now + ttl))
            if idempotency_key:
                self._remember("session", idempotency_key, fingerprint, session_id, now)
            return self._get_session(session_id, now), True

    def _get_session(self, session_id: str, now: int) -> dict | None:
        row = self._conn.execute("SELECT * FROM sessions WHERE id=?",
                                 (session_id,)).fetchone()
        if row is None:
            return None
        session = dict(row)
        if session["status"] == OPEN and now >= session["expires_at"]:
            self._conn.execute(
                "UPDATE sessions SET status=?, completed=? WHERE id=? AND status=?",
                (EXPIRED, now, session_id, OPEN))
            session.update(status=EXPIRED, completed=now)
        session["amount_refunded"] = self._refunded(session["payment_id"])
        return session

    def get_session(self, session_id: str, now: int | None = None) -> dict | None:
        now = int(now if now is not None else time.time())
        with self._tx():
            return self._get_session(session_id, now)

    def complete_session(self, session_id: str, status: str, *, brand=None, last4=None,
                         failure_reason=None, failure_message=None,
                         now: int | None = None) -> tuple[dict | None, bool]:
        """Move an open session to paid, failed or canceled.

        Returns (session, changed): changed is False when the session was no
        longer open (already paid, failed, canceled or expired) — a conditional
        UPDATE, so a double submit charges once.
        """
        now = int(now if now is not None else time.time())
        payment_id = new_id("pay") if status == PAID else None
        with self._tx():
            session = self._get_session(session_id, now)
            if session is None or session["status"] != OPEN:
                return session, False
            cursor = self._conn.execute(
                "UPDATE sessions SET status=?, brand=?, last4=?, payment_id=?,"
                " failure_reason=?, failure_message=?, completed=?"
                " WHERE id=? AND status=?",
                (status, brand, last4, payment_id, failure_reason, failure_message,
                 now, session_id, OPEN))
            return self._get_session(session_id, now), cursor.rowcount == 1

    # -- refunds -----------------------------------------------------------
    def _refunded(self, payment_id: str | None) -> int:
        if payment_id is None:
            return 0
        row = self._conn.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE payment_id=?",
            (payment_id,)).fetchone()
        return int(row[0])

    def create_refund(self, payment_id: str, amount: int | None,
                      idempotency_key: str | None,
                      now: int | None = None) -> tuple[dict, bool]:
        now = int(now if now is not None else time.time())
        fingerprint = json.dumps({"payment": payment_id, "amount": amount}, sort_keys=True)
        with self._tx():
            if idempotency_key:
                existing = self._idempotent("refund", idempotency_key, fingerprint)
                if existing:
                    return self._get_refund(existing), False
            session = self._conn.execute(
                "SELECT * FROM sessions WHERE payment_id=?", (payment_id,)).fetchone()
            if session is None:
                raise RefundError("resource_missing", f"No such payment: {payment_id}", 404)
            remaining = session["amount"] - self._refunded(payment_id)
            if amount is None:
                amount = remaining
            if remaining <= 0:
                raise RefundError("charge_already_refunded",
                                  "This payment has already been fully refunded.")
            if amount > remaining:
                raise RefundError(
                    "amount_too_large",
                    f"Refund amount ({amount}) is greater than the refundable"
                    f" amount ({remaining}).")
            refund_id = new_id("re")
            self._conn.execute(
                "INSERT INTO refunds (id, payment_id, amount, currency, status, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (refund_id, payment_id, amount, session["currency"], "succeeded", now))
            if idempotency_key:
                self._remember("refund", idempotency_key, fingerprint, refund_id, now)
            return self._get_refund(refund_id), True

    def _get_refund(self, refund_id: str) -> dict:
        row = self._conn.execute("SELECT * FROM refunds WHERE id=?",
                                 (refund_id,)).fetchone()
        return dict(row)


class _Transaction:
    """``with``: hold the store lock and run one SQLite transaction."""

    def __init__(self, lock, conn):
        self._lock, self._conn = lock, conn

    def __enter__(self):
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self._conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._lock.release()
        return False
