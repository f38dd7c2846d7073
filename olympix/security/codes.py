"""Verification codes: six characters, single use, short-lived.

The alphabet leaves out characters people confuse (0/O, 1/I/L), so a code
read from an SMS can be typed without doubt. Codes are stored as an HMAC
under a server pepper: a stolen table does not reveal live codes, and a
plain hash of a 31^6 space would be brute-forced in seconds.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6
TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(minutes=1)


def generate_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text):
    """What the person typed, upper-cased, without spaces or dashes."""
    return "".join(ch for ch in str(text).upper() if ch not in " -\t")


def hash_code(code, pepper):
    return hmac.new(pepper.encode(), normalise(code).encode(), hashlib.sha256).hexdigest()


def matches(code, stored_hash, pepper):
    return hmac.compare_digest(hash_code(code, pepper), stored_hash)
