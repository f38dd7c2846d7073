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

The phone's rotating code (issue #12) has the same shape under another
prefix, ``"OT"`` (29 characters), and a block of::

    serial (6) ‖ window (4, big-endian) ‖ proof(totp_key, serial, window) (6)

where ``window`` counts 30-second steps since the Unix epoch (RFC 6238's
T) and ``totp_key`` is derived from the ticket's ``ticket_key``.  The block
is enciphered with a sub-key of the same server key (:func:`rotating_key`),
so the gates' offline bundle can carry that sub-key and the per-ticket
``totp_key`` without carrying the key of the printed codes or any
``ticket_key``.  Since the window is inside the block, the gate tells a
stale code (a screenshot: right proof, old window) from a forged one.

This module is pure (no database, no Pyramid): the gate looks up the ticket
by ``Decoded.serial`` and calls :func:`verify` (or :func:`verify_rotating`)
with the stored keys.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# Key ids are one character of the base32 alphabet, so a lower-cased code
# upper-cases back to the same key id; the keyring lives in keyring.py.
from .keyring import KEY_ID_ALPHABET, Keyring, new_key_entry  # noqa: F401

PREFIX = "OX"
ROTATING_PREFIX = "OT"
WINDOW_SECONDS = 30
WINDOW_BYTES = 4
ROTATING_PROOF_BYTES = 6
#: Windows accepted on each side of the gate's own (clocks drift).
DRIFT_WINDOWS = 1
SERIAL_BYTES = 6
PROOF_BYTES = 5
MAX_SERIAL = 2 ** (8 * SERIAL_BYTES)  # exclusive bound
CODE_LENGTH = len(PREFIX) + 1 + 26  # 26 = base32 length of 16 bytes, unpadded
assert CODE_LENGTH <= 32  # DESIGN.md: at most 32 characters for a 1D laser gun

_PROOF_LABEL = b"olympix-ticket-proof"
_ROTATING_LABEL = b"olympix-rotating-proof"
_ROTATING_KEY_LABEL = b"olympix-rotating-code-key"
_TOTP_KEY_LABEL = b"olympix-rotating-totp-key"
_CODE_RE = re.compile(r"O[XT][A-Z2-7]{27}")
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


@dataclass(frozen=True)
class Decoded:
    """What a code decrypts to; still unverified until :func:`verify`."""

    serial: int
    user_proof: bytes
    ticket_proof: bytes
    key_id: str
    #: The 30-second window of a rotating code; None for a printed code.
    window: int | None = None

    @property
    def rotating(self):
        return self.window is not None


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


def _seal(prefix: str, block: bytes, key_id: str, key: bytes) -> str:
    text = prefix + key_id + base64.b32encode(_aes(key, block, decrypt=False)).decode("ascii").rstrip("=")
    assert len(text) == CODE_LENGTH <= 32
    return text


def window_of(when) -> int:
    """The 30-second window an aware datetime falls in (RFC 6238's T)."""
    return int(when.timestamp()) // WINDOW_SECONDS


def rotating_key(server_key: bytes) -> bytes:
    """The AES key of rotating codes: a sub-key of a server key (shippable to gates)."""
    return hmac.new(bytes(server_key), _ROTATING_KEY_LABEL, hashlib.sha256).digest()


def totp_key(ticket_key: bytes) -> bytes:
    """The per-ticket key of the rotating proof, derived from ``ticket_key`` (16 bytes)."""
    return hmac.new(bytes(ticket_key), _TOTP_KEY_LABEL, hashlib.sha256).digest()[:16]


def rotating_proof(ticket_totp_key: bytes, serial: int, window: int) -> bytes:
    """6-byte time-based proof: HMAC-SHA256 over the serial and the window."""
    if not 0 <= window < 2 ** (8 * WINDOW_BYTES):
        raise ValueError("window out of range")
    message = _ROTATING_LABEL + _serial_bytes(serial) + window.to_bytes(WINDOW_BYTES, "big")
    return hmac.new(bytes(ticket_totp_key), message, hashlib.sha256).digest()[:ROTATING_PROOF_BYTES]


def encode_rotating(serial: int, ticket_key: bytes, keyring: Keyring, window: int) -> str:
    """The phone's code for one 30-second ``window`` (29 characters, prefix ``OT``)."""
    block = (_serial_bytes(serial) + window.to_bytes(WINDOW_BYTES, "big")
             + rotating_proof(totp_key(ticket_key), serial, window))
    key_id = keyring.current
    return _seal(ROTATING_PREFIX, block, key_id, rotating_key(keyring.keys[key_id]))


def encode(serial: int, user_key: bytes, ticket_key: bytes, keyring: Keyring) -> str:
    """The code printed on a ticket (29 characters, see module docstring)."""
    block = _serial_bytes(serial) + proof(user_key, serial) + proof(ticket_key, serial)
    key_id = keyring.current
    return _seal(PREFIX, block, key_id, keyring.keys[key_id])


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
    prefix, key_id, body = text[:2], text[2], text[3:]
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
    if prefix == ROTATING_PREFIX:
        block = _aes(rotating_key(key), sealed, decrypt=True)
        return Decoded(
            serial=int.from_bytes(block[:SERIAL_BYTES], "big"), user_proof=b"",
            ticket_proof=block[SERIAL_BYTES + WINDOW_BYTES:], key_id=key_id,
            window=int.from_bytes(block[SERIAL_BYTES:SERIAL_BYTES + WINDOW_BYTES], "big"))
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
    does not tell which half of a forged code was right.  A rotating code
    never passes here (see :func:`verify_rotating`).
    """
    if decoded.rotating:
        return False
    user_ok = hmac.compare_digest(decoded.user_proof, proof(user_key, decoded.serial))
    ticket_ok = hmac.compare_digest(decoded.ticket_proof, proof(ticket_key, decoded.serial))
    return user_ok & ticket_ok


def verify_rotating(decoded: Decoded, ticket_totp_key: bytes) -> bool:
    """True if a rotating code's proof matches the ticket's ``totp_key`` for its window.

    Says nothing of the window's age: see :func:`window_age`.
    """
    if not decoded.rotating:
        return False
    expected = rotating_proof(ticket_totp_key, decoded.serial, decoded.window)
    return hmac.compare_digest(decoded.ticket_proof, expected)


def window_age(decoded: Decoded, now) -> str:
    """``"current"`` (within DRIFT_WINDOWS of ``now``), ``"stale"`` (older) or ``"future"``."""
    delta = window_of(now) - decoded.window
    if abs(delta) <= DRIFT_WINDOWS:
        return "current"
    return "stale" if delta > 0 else "future"
