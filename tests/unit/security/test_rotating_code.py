"""The phone's rotating code (issue #12.1): a TOTP-like proof from ticket_key, under the server key."""
from datetime import datetime, timedelta, timezone

import pytest

from olympix.security import ticket_code as tc
from olympix.security.ticket_code import Keyring, decode, encode_rotating, verify_rotating, window_age

KEY_A = bytes(range(32))
TICKET_KEY = b"t" * 32
OTHER_TICKET_KEY = b"o" * 32
SERIAL = 0x0102_0304_0506
NOW = datetime(2026, 8, 4, 18, 0, 10, tzinfo=timezone.utc)


@pytest.fixture
def ring():
    return Keyring({"A": KEY_A}, current="A")


def code_at(ring, when, ticket_key=TICKET_KEY, serial=SERIAL):
    return encode_rotating(serial, ticket_key, ring, tc.window_of(when))


def check(ring, code, now, ticket_key=TICKET_KEY):
    decoded = decode(code, ring)
    return verify_rotating(decoded, tc.totp_key(ticket_key)), window_age(decoded, now)


def test_shape_is_that_of_the_printed_code(ring):
    code = code_at(ring, NOW)
    assert len(code) == tc.CODE_LENGTH == 29 and code.startswith("OTA")
    assert set(code[3:]) <= set(tc.KEY_ID_ALPHABET)  # QR alphanumeric, Code128 B
    decoded = decode(code, ring)
    assert decoded.rotating and decoded.serial == SERIAL and decoded.window == tc.window_of(NOW)


def test_changes_every_30_seconds_and_not_within(ring):
    start = datetime(2026, 8, 4, 18, 0, 0, tzinfo=timezone.utc)
    assert code_at(ring, start) == code_at(ring, start + timedelta(seconds=29))
    assert code_at(ring, start) != code_at(ring, start + timedelta(seconds=30))


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_current_window_and_its_neighbours_are_accepted(ring, offset):
    code = code_at(ring, NOW + timedelta(seconds=offset))
    assert check(ring, code, NOW) == (True, "current")


@pytest.mark.parametrize("seconds_old", [60, 120, 3600])
def test_older_windows_are_stale(ring, seconds_old):
    code = code_at(ring, NOW - timedelta(seconds=seconds_old))
    assert check(ring, code, NOW) == (True, "stale")


def test_a_code_from_the_future_is_not_current(ring):
    assert check(ring, code_at(ring, NOW + timedelta(minutes=5)), NOW) == (True, "future")


def test_a_proof_from_another_ticket_is_refused(ring):
    code = code_at(ring, NOW, ticket_key=OTHER_TICKET_KEY)
    assert check(ring, code, NOW)[0] is False


def test_another_serial_with_the_same_key_is_refused(ring):
    decoded = decode(code_at(ring, NOW, serial=SERIAL + 1), ring)
    forged = tc.Decoded(serial=SERIAL, user_proof=b"", ticket_proof=decoded.ticket_proof, key_id="A",
                        window=decoded.window)
    assert not verify_rotating(forged, tc.totp_key(TICKET_KEY))


def test_a_rotating_code_never_passes_as_a_printed_one(ring):
    decoded = decode(code_at(ring, NOW), ring)
    assert not tc.verify(decoded, b"u" * 32, TICKET_KEY)


def test_altered_codes_do_not_verify(ring):
    code = code_at(ring, NOW)
    for position in range(3, len(code)):
        for char in "AQ7":
            if code[position] == char:
                continue
            altered = code[:position] + char + code[position + 1:]
            try:
                decoded = decode(altered, ring)
            except tc.InvalidCode:
                continue
            assert not verify_rotating(decoded, tc.totp_key(TICKET_KEY))


def test_printed_and_rotating_use_different_keys(ring):
    assert tc.rotating_key(KEY_A) != KEY_A and len(tc.rotating_key(KEY_A)) == 32
    assert tc.totp_key(TICKET_KEY) != TICKET_KEY[:16]


def test_retired_key_is_unknown(ring):
    code = code_at(ring, NOW)
    with pytest.raises(tc.InvalidCode) as err:
        decode(code, Keyring({"B": bytes(32)}, current="B"))
    assert err.value.reason == "unknown_key"
