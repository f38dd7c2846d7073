"""HMAC-SHA256 signatures of notifications and return redirects.

Notification header: ``Sandbox-Signature: t=<unix>,v1=<hex>`` where the hex
is HMAC-SHA256(secret, f"{t}.{body}").  Return redirect: query parameters
``session_id``, ``status``, ``t`` and ``sig`` = HMAC-SHA256(secret,
f"{t}.{session_id}.{status}").
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Sandbox-Signature"


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_body(secret: str, body: bytes, timestamp: int) -> str:
    """Value of the ``Sandbox-Signature`` header for ``body``."""
    digest = _hmac(secret, f"{int(timestamp)}.".encode("ascii") + body)
    return f"t={int(timestamp)},v1={digest}"


def sign_return(secret: str, session_id: str, status: str, timestamp: int) -> str:
    message = f"{int(timestamp)}.{session_id}.{status}".encode("utf-8")
    return _hmac(secret, message)


def return_params(secret: str, session_id: str, status: str,
                  timestamp: int) -> dict[str, str]:
    return {
        "session_id": session_id,
        "status": status,
        "t": str(int(timestamp)),
        "sig": sign_return(secret, session_id, status, timestamp),
    }
