"""Pure parts of accounts: codes, passwords, secrets at rest."""
import base64
from datetime import datetime, timedelta, timezone

import pytest

from olympix.models import VerificationCode
from olympix.security import atrest, codes
from olympix.security.keyring import Keyring
from olympix.security.passwords import Passwords, password_problem

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()


def test_codes_use_the_unambiguous_alphabet():
    for _ in range(500):
        code = codes.generate_code()
        assert len(code) == 6 and set(code) <= set(codes.ALPHABET)
    assert not set("0O1IL") & set(codes.ALPHABET)


def test_codes_are_stored_as_keyed_hashes_and_matched_leniently():
    stored = codes.hash_code("ABC234", "pepper")
    assert "ABC234" not in stored and len(stored) == 64
    assert codes.matches("abc 234", stored, "pepper")
    assert codes.matches("abc-234", stored, "pepper")
    assert not codes.matches("ABC235", stored, "pepper")
    assert not codes.matches("ABC234", stored, "other pepper")


def test_code_liveness_expiry_and_attempts():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    code = VerificationCode(created_at=now, expires_at=now + codes.TTL, attempts_left=codes.MAX_ATTEMPTS)
    assert codes.TTL == timedelta(minutes=10) and codes.MAX_ATTEMPTS == 5
    assert code.is_live(now + timedelta(minutes=9, seconds=59))
    assert not code.is_live(now + timedelta(minutes=10))
    code.attempts_left = 0
    assert not code.is_live(now)
    code.attempts_left, code.used_at = 5, now
    assert not code.is_live(now)


@pytest.mark.parametrize("password, problem", [
    ("short", "password_too_short"),
    ("x" * 129, "password_too_long"),
    ("password1", "password_too_common"),
    ("Sunshine", "password_too_common"),
    ("a quiet harbour at dawn", None),
    ("éàèùçôîâ", None),
    (("a quiet harbour at dawn " * 6)[:128], None),
    # ASVS 6.2.11: trivial repetitions and the site's own name (issue 15.7)
    ("é" * 8, "password_repetitive"),
    ("x" * 128, "password_repetitive"),
    ("aaaaaaaa", "password_repetitive"),
    ("abababab", "password_repetitive"),
    ("abcabcabc", "password_repetitive"),
    ("olympix2024", "password_context"),
    ("Olympix 2024 !", "password_context"),
    ("paris2024paris", "password_context"),
    ("olympix tickets for the whole family", None),
])
def test_password_policy(password, problem):
    assert password_problem(password) == problem


@pytest.mark.parametrize("password, problem", [
    ("ada@example.test", "password_context"),
    ("ADA@EXAMPLE.TEST1", "password_context"),
    ("Lovelace1815", "password_context"),
    ("ada.lovelace!!", "password_context"),
    ("AdaLovelace2024", "password_context"),
    ("lovelace analytical engine", None),
])
def test_password_policy_refuses_the_persons_own_words(password, problem):
    from olympix.security.passwords import context_words

    assert password_problem(password, context_words("ada@example.test", "Ada", "Lovelace")) == problem


def test_passwords_hash_with_argon2id_and_verify():
    passwords = Passwords(time_cost=1, memory_cost=8, parallelism=1)
    stored = passwords.hash("a quiet harbour at dawn")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "a quiet harbour at dawn")
    assert not passwords.verify(stored, "a quiet harbour at dusk")
    assert not passwords.verify(None, "anything")  # unknown account: same work, no match
    assert not passwords.verify("not a hash", "anything")


def test_sealed_keys_round_trip_and_rotate():
    ring_a = Keyring.from_setting(f"A:{KEY_A}")
    secret = atrest.new_key()
    blob = atrest.seal(ring_a, secret, "user_key")
    assert len(blob) == 61 and secret not in blob and blob[:1] == b"A"
    assert atrest.unseal(ring_a, blob, "user_key") == secret
    rotated = Keyring.from_setting(f"B:{KEY_B},A:{KEY_A}")
    assert atrest.unseal(rotated, blob, "user_key") == secret  # old blobs still open
    assert atrest.seal(rotated, secret, "user_key")[:1] == b"B"


def test_sealed_keys_refuse_tampering_other_purpose_and_retired_keys():
    ring = Keyring.from_setting(f"A:{KEY_A}")
    blob = atrest.seal(ring, atrest.new_key(), "user_key")
    with pytest.raises(atrest.SealedDataError):
        atrest.unseal(ring, blob, "ticket_key")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(atrest.SealedDataError):
        atrest.unseal(ring, tampered, "user_key")
    with pytest.raises(atrest.SealedDataError):
        atrest.unseal(Keyring.from_setting(f"B:{KEY_B}"), blob, "user_key")
