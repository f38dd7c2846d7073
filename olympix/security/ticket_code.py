"""The ticket code: what the barcode on a ticket says.

Encode-then-encipher (see DESIGN.md, "The ticket code").  A 16-byte block::

    serial (6 bytes, big-endian) ‖ proof(user_key) (5) ‖ proof(ticket_key) (5)

is encrypted with AES-256 under a server key and written as::

    "OX" + key_id + base32(block) without padding   -> 29 characters

e.g. ``OXAY6MQBDPJKDMFC3HEAAOHPZEFJI``.  Every character is an upper-case
letter or a digit 2-7: printable in Code128 set B, QR alphanumeric mode,
and nothing a scanner keyboard layout or a human reading it aloud can mangle
(no 0/O, 1/I/L confusion).  Decoding accepts lower case because some
scanners send it.

Why this shape:

* AES is a keyed permutation of 128-bit blocks, so without the server key
  any invented or altered code decrypts to 16 random-looking bytes; the two
  proofs (80 bits) then match the keys stored for that serial with
  probability 2^-80, well under the 2^-64 the design asks for.
* The proofs bind the code to *both* the owner's ``user_key`` and the
  ticket's ``ticket_key``; re-minting a ticket (transfer, re-issue) gives it
  a new ``ticket_key`` so an old printout stops matching.
* The key id lets the server key rotate: encode with ``Keyring.current``,
  decode with any key still on the ring; removing a key retires its codes.

This module is pure (no database, no Pyramid): the gate looks up the ticket
by ``Decoded.serial`` and calls :func:`verify` with the stored keys.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Mapping

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PREFIX = "OX"
#: Key ids: one character of the base32 alphabet (upper-case letters, 2-7),
#: so a lower-cased code upper-cases back to the same key id.
KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SERIAL_BYTES = 6
PROOF_BYTES = 5
MAX_SERIAL = 2 ** (8 * SERIAL_BYTES)  # exclusive bound
CODE_LENGTH = len(PREFIX) + 1 + 26  # 26 = base32 length of 16 bytes, unpadded
assert CODE_LENGTH <= 32  # DESIGN.md: at most 32 characters for a 1D laser gun

_PROOF_LABEL = b"olympix-ticket-proof"
_CODE_RE = re.compile(r"OX[A-Z2-7]{27}")
# Anything longer than this is garbage; refuse before doing any work on it.
_MAX_INPUT = 256


class InvalidCode(ValueError):
    """The text is not a ticket code we can read.

    ``reason`` is a short machine string for logs and gate screens:
    ``"malformed"`` (not the shape of a code) or ``"unknown_key"`` (shape is
    right but its key id is not on the ring, e.g. a retired key).
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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
            raise ValueError("ticket code keyring: no key")
        for key_id, key in keys.items():
            if not (isinstance(key_id, str) and len(key_id) == 1 and key_id in KEY_ID_ALPHABET):
                raise ValueError(
                    f"ticket code keyring: key id {key_id!r} must be one character of "
                    f"{KEY_ID_ALPHABET}"
                )
            if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
                raise ValueError(f"ticket code keyring: key {key_id} must be 32 bytes")
        if current not in keys:
            raise ValueError(f"ticket code keyring: current key id {current!r} is not on the ring")
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
            raise ValueError("ticket code keyring: setting must be a string")
        entries = [e for e in re.split(r"[,\s]+", text) if e]
        if not entries:
            raise ValueError("ticket code keyring: setting is empty")
        keys: dict[str, bytes] = {}
        for n, entry in enumerate(entries, 1):
            key_id, sep, b64 = entry.partition(":")
            if not sep or not key_id or not b64:
                raise ValueError(f"ticket code keyring: entry {n} is not ID:BASE64KEY")
            if len(key_id) != 1 or key_id not in KEY_ID_ALPHABET:
                raise ValueError(
                    f"ticket code keyring: entry {n}: key id {key_id!r} must be one "
                    f"character of {KEY_ID_ALPHABET}"
                )
            if key_id in keys:
                raise ValueError(f"ticket code keyring: duplicate key id {key_id!r}")
            try:
                key = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"ticket code keyring: key {key_id}: bad base64") from None
            if len(key) != 32:
                raise ValueError(
                    f"ticket code keyring: key {key_id}: {len(key)} bytes, need 32 (AES-256)"
                )
            keys[key_id] = key
        return cls(keys, current=entries[0][0])

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self.keys)

    def key(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)

    def __repr__(self) -> str:  # never show key material
        return f"<Keyring current={self.current!r} ids={''.join(self.keys)!r}>"


def new_key_entry(key_id: str) -> str:
    """A fresh ``ID:BASE64KEY`` entry for the setting (for admin scripts)."""
    if len(key_id) != 1 or key_id not in KEY_ID_ALPHABET:
        raise ValueError(f"key id must be one character of {KEY_ID_ALPHABET}")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode('ascii')}"


@dataclass(frozen=True)
class Decoded:
    """What a code decrypts to; still unverified until :func:`verify`."""

    serial: int
    user_proof: bytes
    ticket_proof: bytes
    key_id: str


def _serial_bytes(serial: int) -> bytes:
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial < MAX_SERIAL:
        raise ValueError(f"serial must be an int in [0, 2**48), got {serial!r}")
    return serial.to_bytes(SERIAL_BYTES, "big")


def proof(key: bytes, serial: int) -> bytes:
    """5-byte proof that whoever built the code knew ``key`` for this serial.

    Truncated HMAC-SHA256 over a fixed label and the serial; the label keeps
    these MACs apart from any other use of the same key.
    """
    mac = hmac.new(bytes(key), _PROOF_LABEL + _serial_bytes(serial), hashlib.sha256)
    return mac.digest()[:PROOF_BYTES]


# AES in ECB mode on exactly one block is the raw AES permutation, which is
# what encode-then-encipher needs.  ECB's known weakness (equal blocks give
# equal ciphertexts, patterns across blocks) does not arise: there is one
# block, and it is unique per ticket since the serial is unique.  The same
# ticket always gets the same code, which is wanted (reprint = same code).
def _aes(key: bytes, block: bytes, *, decrypt: bool) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.ECB())
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(block) + ctx.finalize()


def encode(serial: int, user_key: bytes, ticket_key: bytes, keyring: Keyring) -> str:
    """The code printed on a ticket (29 characters, see module docstring)."""
    block = _serial_bytes(serial) + proof(user_key, serial) + proof(ticket_key, serial)
    key_id = keyring.current
    sealed = _aes(keyring.keys[key_id], block, decrypt=False)
    text = PREFIX + key_id + base64.b32encode(sealed).decode("ascii").rstrip("=")
    assert len(text) == CODE_LENGTH <= 32
    return text


def decode(text: str | bytes, keyring: Keyring) -> Decoded:
    """Decrypt a scanned code; raise :class:`InvalidCode` if it is not one.

    Tolerates what scanners do (surrounding whitespace or CR/LF, lower
    case); refuses everything else.  Raises nothing but InvalidCode, whatever
    the input, since it is fed raw scanner and HTTP input.  A successful
    decode proves nothing yet: call :func:`verify`.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        if len(text) > _MAX_INPUT:
            raise InvalidCode("malformed")
        try:
            text = bytes(text).decode("ascii")
        except UnicodeDecodeError:
            raise InvalidCode("malformed") from None
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise InvalidCode("malformed")
    # isascii() before upper(): upper() maps some non-ASCII letters to ASCII
    # ones ('ı' -> 'I', 'ſ' -> 'S'), which must not sneak in.
    text = text.strip()
    if not text.isascii():
        raise InvalidCode("malformed")
    text = text.upper()
    if _CODE_RE.fullmatch(text) is None:
        raise InvalidCode("malformed")
    key_id, body = text[2], text[3:]
    try:
        sealed = base64.b32decode(body + "======")
    except (binascii.Error, ValueError):  # pragma: no cover - regex already checked
        raise InvalidCode("malformed") from None
    # The last base32 character carries 3 data bits and 2 padding bits;
    # b32decode ignores the padding bits, so refuse non-canonical spellings
    # (otherwise several texts would be accepted for one ticket).
    if base64.b32encode(sealed).decode("ascii").rstrip("=") != body:
        raise InvalidCode("malformed")
    key = keyring.keys.get(key_id)
    if key is None:
        raise InvalidCode("unknown_key")
    block = _aes(key, sealed, decrypt=True)
    return Decoded(
        serial=int.from_bytes(block[:SERIAL_BYTES], "big"),
        user_proof=block[SERIAL_BYTES : SERIAL_BYTES + PROOF_BYTES],
        ticket_proof=block[SERIAL_BYTES + PROOF_BYTES :],
        key_id=key_id,
    )


def verify(decoded: Decoded, user_key: bytes, ticket_key: bytes) -> bool:
    """True if both proofs match the keys stored for ``decoded.serial``.

    Both comparisons always run (constant time, no early exit) so timing
    does not tell which half of a forged code was right.
    """
    user_ok = hmac.compare_digest(decoded.user_proof, proof(user_key, decoded.serial))
    ticket_ok = hmac.compare_digest(decoded.ticket_proof, proof(ticket_key, decoded.serial))
    return user_ok & ticket_ok
