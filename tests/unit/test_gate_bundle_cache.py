"""The per-process memory of what each ticket's offline-bundle entry derives from its sealed columns."""
import pytest

from olympix.gate import bundle_cache


@pytest.fixture(autouse=True)
def empty():
    bundle_cache.clear()
    yield
    bundle_cache.clear()


def counting(value):
    calls = []

    def derive():
        calls.append(1)
        return value

    return derive, calls


def test_an_entry_is_derived_once_while_its_sealed_inputs_stay():
    derive, calls = counting(("Ada Lovelace", "totp", "digest"))
    for _ in range(3):
        assert bundle_cache.entry(7, (b"first", b"last", b"tk", b"uk", b"code"), derive) == (
            "Ada Lovelace", "totp", "digest")
    assert len(calls) == 1


@pytest.mark.parametrize("changed", range(5))
def test_any_sealed_input_changed_derives_again(changed):
    """A re-sealed name or key, or another code key, is a new entry: never the old answer."""
    sealed = [b"first", b"last", b"tk", b"uk", b"code"]
    bundle_cache.entry(7, tuple(sealed), lambda: "old")
    sealed[changed] = b"other"
    assert bundle_cache.entry(7, tuple(sealed), lambda: "new") == "new"


def test_another_serial_with_the_same_bytes_is_another_entry():
    bundle_cache.entry(7, (b"a", b"b"), lambda: "seven")
    assert bundle_cache.entry(8, (b"a", b"b"), lambda: "eight") == "eight"


def test_inputs_cannot_run_into_each_other():
    """("ab", "c") and ("a", "bc") are different inputs (each part is length-prefixed)."""
    assert bundle_cache.fingerprint(b"ab", b"c") != bundle_cache.fingerprint(b"a", b"bc")


def test_bounded(monkeypatch):
    monkeypatch.setattr(bundle_cache, "LIMIT", 10)
    for serial in range(25):
        bundle_cache.entry(serial, (b"x",), lambda: serial)
    assert len(bundle_cache._entries) <= 10
