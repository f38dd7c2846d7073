"""Named 256-bit keys so that keys can rotate.

Used for the data keys that seal secrets at rest (``olympix.data_keys``)
and the server keys of ticket codes (``olympix.ticket_keys``).
"""
from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Mapping

KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class Keyring:
    """Server keys for ticket codes, by one-character key id.

    ``current`` encodes new codes; every key on the ring decodes.  To rotate,
    put a new key first (it becomes current) and keep the old one listed
    until its codes no longer matter; then remove it, which retires its codes
    (``decode`` refuses them with ``unknown_key``).  The keys are AES-256
    keys: 32 random bytes each.

    encode/decode only use ``.current`` and ``.keys`` (id -> bytes), so the
    shared ``olympix.security.keyring.Keyring`` can be passed instead.
    """

    def __init__(self, keys: Mapping[str, bytes], current: str):
        if not keys:
            raise ValueError("keyring: no key")
        for key_id, key in keys.items():
            if not (isinstance(key_id, str) and len(key_id) == 1 and key_id in KEY_ID_ALPHABET):
                raise ValueError(
                    f"keyring: key id {key_id!r} must be one character of "
                    f"{KEY_ID_ALPHABET}"
                )
            if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
                raise ValueError(f"keyring: key {key_id} must be 32 bytes")
        if current not in keys:
            raise ValueError(f"keyring: current key id {current!r} is not on the ring")
        self.keys = {k: bytes(v) for k, v in keys.items()}
        self.current = current

    @classmethod
    def from_setting(cls, text: str) -> Keyring:
        """Parse the ``olympix.ticket_keys`` setting.

        Format: entries ``ID:BASE64KEY`` separated by commas and/or
        whitespace (so an ini value may span several lines).  ``ID`` is one
        character of ``A-Z2-7``; ``BASE64KEY`` is standard base64 of 32
        bytes (``openssl rand -base64 32``, or :func:`new_key_entry`).  The
        FIRST entry is the current key; the others only decode.  Example::

            olympix.ticket_keys = B:q2x...=, A:Zm9...=

        Raises ValueError naming the offending entry (never echoing a key).
        """
        if not isinstance(text, str):
            raise ValueError("keyring: setting must be a string")
        entries = [e for e in re.split(r"[,\s]+", text) if e]
        if not entries:
            raise ValueError("keyring: setting is empty")
        keys: dict[str, bytes] = {}
        for n, entry in enumerate(entries, 1):
            key_id, sep, b64 = entry.partition(":")
            if not sep or not key_id or not b64:
                raise ValueError(f"keyring: entry {n} is not ID:BASE64KEY")
            if len(key_id) != 1 or key_id not in KEY_ID_ALPHABET:
                raise ValueError(
                    f"keyring: entry {n}: key id {key_id!r} must be one "
                    f"character of {KEY_ID_ALPHABET}"
                )
            if key_id in keys:
                raise ValueError(f"keyring: duplicate key id {key_id!r}")
            try:
                key = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"keyring: key {key_id}: bad base64") from None
            if len(key) != 32:
                raise ValueError(
                    f"keyring: key {key_id}: {len(key)} bytes, need 32 (AES-256)"
                )
            keys[key_id] = key
        return cls(keys, current=entries[0][0])

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self.keys)

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current]

    def get(self, key_id: str) -> bytes | None:
        """The key for ``key_id``, or None when unknown or retired."""
        return self.keys.get(key_id)

    key = get

    def __repr__(self) -> str:  # never show key material
        return f"<Keyring current={self.current!r} ids={''.join(self.keys)!r}>"


def new_key_entry(key_id: str) -> str:
    """A fresh ``ID:BASE64KEY`` entry for the setting (for admin scripts)."""
    if len(key_id) != 1 or key_id not in KEY_ID_ALPHABET:
        raise ValueError(f"key id must be one character of {KEY_ID_ALPHABET}")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode('ascii')}"
