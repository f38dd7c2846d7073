"""Unit tests for olympix.security.ticket_code (pure, deterministic, fast)."""
import base64
import random
import string

import pytest

from olympix.security import ticket_code as tc
from olympix.security.ticket_code import Decoded, InvalidCode, Keyring, decode, encode, verify

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
USER_KEY = b"u" * 32
TICKET_KEY = b"t" * 32
SERIAL = 0x0102_0304_0506
CODE_CHARS = tc.KEY_ID_ALPHABET  # base32 alphabet, the only code characters


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def ring():
    return Keyring({"A": KEY_A}, current="A")


@pytest.fixture
def code(ring):
    return encode(SERIAL, USER_KEY, TICKET_KEY, ring)


def test_round_trip(ring, code):
    decoded = decode(code, ring)
    assert decoded.serial == SERIAL
    assert decoded.key_id == "A"
    assert decoded.user_proof == tc.proof(USER_KEY, SERIAL)
    assert decoded.ticket_proof == tc.proof(TICKET_KEY, SERIAL)
    assert verify(decoded, USER_KEY, TICKET_KEY)


@pytest.mark.parametrize("serial", [0, 1, 2**48 - 1, 123_456_789])
def test_round_trip_serial_range(ring, serial):
    assert decode(encode(serial, USER_KEY, TICKET_KEY, ring), ring).serial == serial


@pytest.mark.parametrize("serial", [-1, 2**48, 1.0, True, "1"])
def test_encode_refuses_bad_serial(ring, serial):
    with pytest.raises(ValueError):
        encode(serial, USER_KEY, TICKET_KEY, ring)


def test_length_and_charset(ring, code):
    assert len(code) == tc.CODE_LENGTH == 29 <= 32
    assert code.startswith("OXA")
    assert set(code) <= set(string.ascii_uppercase + "234567")  # Code128 set B, QR alnum


def test_same_ticket_same_code(ring, code):
    assert encode(SERIAL, USER_KEY, TICKET_KEY, ring) == code


def test_scanner_noise_accepted(ring, code):
    for variant in (code.lower(), f"  {code}\r\n", code.encode(), f"\t{code.swapcase()}\n"):
        assert verify(decode(variant, ring), USER_KEY, TICKET_KEY)


def test_every_single_character_change_refused(ring, code):
    alternatives = set(CODE_CHARS + "OX01890+-= a")
    tried = 0
    for pos in range(len(code)):
        for ch in alternatives:
            if ch.upper() == code[pos]:
                continue
            altered = code[:pos] + ch + code[pos + 1 :]
            tried += 1
            try:
                decoded = decode(altered, ring)
            except InvalidCode:
                continue
            assert not verify(decoded, USER_KEY, TICKET_KEY), altered
    assert tried > 29 * 30


def test_non_canonical_last_character_refused(ring, code):
    # The last base32 char holds 3 data bits + 2 ignored bits: a spelling
    # with those bits set would decode to the same block; it must be refused.
    last = CODE_CHARS.index(code[-1])
    for extra in (1, 2, 3):
        with pytest.raises(InvalidCode) as exc:
            decode(code[:-1] + CODE_CHARS[last | extra], ring)
        assert exc.value.reason == "malformed"


def test_random_well_formed_codes_refused(ring):
    rng = random.Random(20240726)
    for _ in range(10_000):
        body = base64.b32encode(rng.randbytes(16)).decode().rstrip("=")
        decoded = decode("OXA" + body, ring)
        assert not verify(decoded, USER_KEY, TICKET_KEY)


def test_forged_code_for_known_serial_refused(ring):
    # Even knowing the serial, guessing proofs without the server key fails.
    rng = random.Random(7)
    for _ in range(1_000):
        decoded = Decoded(SERIAL, rng.randbytes(5), rng.randbytes(5), "A")
        assert not verify(decoded, USER_KEY, TICKET_KEY)


def test_verify_needs_both_keys(ring, code):
    decoded = decode(code, ring)
    assert not verify(decoded, b"x" * 32, TICKET_KEY)
    assert not verify(decoded, USER_KEY, b"x" * 32)


def test_reminted_ticket_refuses_old_code(ring, code):
    # Transfer / re-issue gives the ticket a new ticket_key: old copy refused.
    new_ticket_key = b"n" * 32
    assert not verify(decode(code, ring), USER_KEY, new_ticket_key)
    new_code = encode(SERIAL, USER_KEY, new_ticket_key, ring)
    assert new_code != code
    assert verify(decode(new_code, ring), USER_KEY, new_ticket_key)


def test_key_rotation_old_codes_still_decode(code):
    rotated = Keyring.from_setting(f"B:{b64(KEY_B)}, A:{b64(KEY_A)}")
    assert rotated.current == "B"
    assert verify(decode(code, rotated), USER_KEY, TICKET_KEY)
    new_code = encode(SERIAL, USER_KEY, TICKET_KEY, rotated)
    assert new_code.startswith("OXB") and new_code != code
    assert verify(decode(new_code, rotated), USER_KEY, TICKET_KEY)


def test_retired_key_refused(code):
    only_b = Keyring({"B": KEY_B}, current="B")
    with pytest.raises(InvalidCode) as exc:
        decode(code, only_b)
    assert exc.value.reason == "unknown_key"


def test_key_id_swapped_to_other_key_refused(code):
    both = Keyring({"A": KEY_A, "B": KEY_B}, current="A")
    decoded = decode("OXB" + code[3:], both)  # decrypts under the wrong key
    assert not verify(decoded, USER_KEY, TICKET_KEY)


GARBAGE = [
    "",
    " ",
    "\r\n",
    "OX",
    "OXA",
    "X" * 10_000,
    "OXA" + "A" * 10_000,
    b"",
    b"\x00" * 29,
    b"OXA" + b"\x00" * 26,
    b"\xff\xfe" * 5_000,
    bytes(range(256)),
    "OXA" + "é" * 26,
    "OXA" + "ı" * 26,  # upper() would make these ASCII 'I'
    "ＯＸＡ" + "Ａ" * 26,  # full-width letters
    "OXA" + "\x00" * 26,
    "\ud800" * 29,  # lone surrogate
    "OXA" + "A" * 25,
    "OXA" + "A" * 27,
    "OX1" + "A" * 26,
    "QXA" + "A" * 26,
    "OXA" + "A" * 25 + "1",
    "OXA" + "A" * 12 + " " + "A" * 13,
    "OXA" + "A" * 26 + "\nOXA" + "A" * 26,
    "OXA" + "A" * 23 + "===",
    None,
    42,
    ["OXA"],
]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_raises_invalid_code_only(ring, text):
    with pytest.raises(InvalidCode) as exc:
        decode(text, ring)
    assert exc.value.reason in {"malformed", "unknown_key"}
    assert isinstance(exc.value, ValueError)


def test_fuzz_never_raises_anything_else(ring, code):
    rng = random.Random(1)
    alphabet = CODE_CHARS + "abcxyz019 \t\n\x00é€\U0001f600"
    for _ in range(2_000):
        n = rng.choice([0, 1, 28, 29, 30, rng.randrange(100)])
        for text in ("".join(rng.choice(alphabet) for _ in range(n)), rng.randbytes(n)):
            try:
                decoded = decode(text, ring)
            except InvalidCode as exc:
                assert exc.reason in {"malformed", "unknown_key"}
            else:
                assert not verify(decoded, USER_KEY, TICKET_KEY)


# --- Keyring -------------------------------------------------------------

def test_from_setting_multiline_and_order():
    ring = Keyring.from_setting(f"\n  C:{b64(KEY_B)}\n  A:{b64(KEY_A)},\n")
    assert ring.current == "C"
    assert ring.key_ids == ("C", "A")
    assert ring.key("A") == KEY_A and ring.key("Z") is None


def test_keyring_repr_hides_keys():
    ring = Keyring({"A": KEY_A}, current="A")
    assert b64(KEY_A) not in repr(ring) and repr(KEY_A) not in repr(ring)


def test_new_key_entry_parses():
    ring = Keyring.from_setting(tc.new_key_entry("D"))
    assert ring.current == "D" and len(ring.key("D")) == 32


@pytest.mark.parametrize(
    "setting, message",
    [
        ("", "empty"),
        (" , ", "empty"),
        (f"A{b64(KEY_A)}", "ID:BASE64KEY"),
        (f":{b64(KEY_A)}", "ID:BASE64KEY"),
        ("A:", "ID:BASE64KEY"),
        (f"AB:{b64(KEY_A)}", "key id"),
        (f"a:{b64(KEY_A)}", "key id"),
        (f"1:{b64(KEY_A)}", "key id"),
        (f"A:{b64(KEY_A)},A:{b64(KEY_B)}", "duplicate"),
        ("A:not*base64!", "bad base64"),
        ("A:QUJD", "3 bytes"),
        (f"A:{b64(bytes(16))}", "16 bytes"),
        (f"A:{b64(bytes(33))}", "33 bytes"),
    ],
)
def test_from_setting_errors(setting, message):
    with pytest.raises(ValueError, match=message) as exc:
        Keyring.from_setting(setting)
    assert b64(KEY_A) not in str(exc.value)


def test_keyring_constructor_errors():
    with pytest.raises(ValueError):
        Keyring({}, current="A")
    with pytest.raises(ValueError):
        Keyring({"A": KEY_A}, current="B")
    with pytest.raises(ValueError):
        Keyring({"A": b"short"}, current="A")
    with pytest.raises(ValueError):
        Keyring({"0": KEY_A}, current="0")


def test_works_with_shared_keyring_class():
    # encode/decode duck-type on .current and .keys, so the project-wide
    # olympix.security.keyring.Keyring (same setting format) also works.
    shared = pytest.importorskip("olympix.security.keyring")
    ring = shared.Keyring.from_setting(f"B:{b64(KEY_B)},A:{b64(KEY_A)}")
    mine = Keyring.from_setting(f"B:{b64(KEY_B)},A:{b64(KEY_A)}")
    code = encode(SERIAL, USER_KEY, TICKET_KEY, ring)
    assert code == encode(SERIAL, USER_KEY, TICKET_KEY, mine)
    assert verify(decode(code, ring), USER_KEY, TICKET_KEY)
