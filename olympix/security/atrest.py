"""Secrets at rest: AES-GCM under a data key.

The keys (``user_key``, ``ticket_key``) are sealed by the services; the
names of ticket holders and order attendees by their columns' type
(``models/sealed.py``, through the ``Sealer`` installed here).

The stored blob is ``key id (1 byte) ‖ nonce (12) ‖ ciphertext+tag``; the
key id lets data keys rotate. The purpose ("user_key", "ticket_key",
"tickets.attendee_first_name"…) is the associated data, so a blob copied
from one column to another fails to open.
"""
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..models import sealed as sealed_columns

NONCE_LENGTH = 12


class SealedDataError(Exception):
    """A stored secret cannot be opened: unknown key id or tampered blob."""


def seal(keyring, plaintext, purpose):
    nonce = os.urandom(NONCE_LENGTH)
    sealed = AESGCM(keyring.current_key).encrypt(nonce, plaintext, purpose.encode())
    return keyring.current.encode("ascii") + nonce + sealed


def unseal(keyring, blob, purpose):
    if isinstance(blob, str):
        # SQLite keeps the text a column held before it was sealed (0015).
        raise SealedDataError("clear text where a sealed value belongs")
    blob = bytes(blob)
    key = keyring.get(blob[:1].decode("ascii", "replace"))
    if key is None:
        raise SealedDataError("unknown data key id")
    nonce, sealed = blob[1:1 + NONCE_LENGTH], blob[1 + NONCE_LENGTH:]
    try:
        return AESGCM(key).decrypt(nonce, sealed, purpose.encode())
    except InvalidTag:
        raise SealedDataError("stored secret was altered") from None


class Sealer:
    """``seal``/``unseal`` under one data keyring: what sealed columns are installed with."""

    def __init__(self, keyring):
        self.keyring = keyring

    def seal(self, plaintext, purpose):
        return seal(self.keyring, plaintext, purpose)

    def unseal(self, blob, purpose):
        try:
            return unseal(self.keyring, blob, purpose)
        except SealedDataError as exc:
            raise SealedDataError(f"{purpose}: {exc}") from None


def install(keyring):
    """Seal the sealed columns of this process (``models/sealed.py``) under ``keyring``.

    Called once wherever the settings are parsed: the application's
    ``security`` include and the ``olympix`` commands.
    """
    sealed_columns.install(Sealer(keyring))


def new_key():
    """32 random bytes: a fresh ``user_key`` or ``ticket_key``."""
    return os.urandom(32)
