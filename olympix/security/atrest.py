"""Secrets at rest (``user_key``, ``ticket_key``): AES-GCM under a data key.

The stored blob is ``key id (1 byte) ‖ nonce (12) ‖ ciphertext+tag``; the
key id lets data keys rotate. The purpose ("user_key", "ticket_key") is the
associated data, so a blob copied from one column to another fails to open.
"""
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_LENGTH = 12


class SealedDataError(Exception):
    """A stored secret cannot be opened: unknown key id or tampered blob."""


def seal(keyring, plaintext, purpose):
    nonce = os.urandom(NONCE_LENGTH)
    sealed = AESGCM(keyring.current_key).encrypt(nonce, plaintext, purpose.encode())
    return keyring.current.encode("ascii") + nonce + sealed


def unseal(keyring, blob, purpose):
    blob = bytes(blob)
    key = keyring.get(blob[:1].decode("ascii", "replace"))
    if key is None:
        raise SealedDataError("unknown data key id")
    nonce, sealed = blob[1:1 + NONCE_LENGTH], blob[1 + NONCE_LENGTH:]
    try:
        return AESGCM(key).decrypt(nonce, sealed, purpose.encode())
    except InvalidTag:
        raise SealedDataError("stored secret was altered") from None


def new_key():
    """32 random bytes: a fresh ``user_key`` or ``ticket_key``."""
    return os.urandom(32)
