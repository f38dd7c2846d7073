"""What a ticket's offline-bundle entry derives from its sealed columns, remembered per process.

Building a stadium session's bundle (``offline.build``: 80,000 tickets)
opens each ticket's key, its holder's key and both names (AES-GCM each)
and encodes its printed code: about 100 µs a ticket, seconds a bundle, for
every device of every gate once a minute. None of it changes while those
sealed columns do not: an entry is kept under the ticket's serial and a
digest of the sealed bytes and of the code key in use, so a ticket
re-keyed, re-named or re-sealed, or a rotated code key, is computed again.

Only what the bundle ships anyway is kept (the holder's name, the rotating
code's key, the digest of the printed code), never ``ticket_key`` or
``user_key``. Bounded: past ``LIMIT`` entries the cache starts afresh (a
whole stadium's sessions fit).
"""
import hashlib

LIMIT = 120_000  # about 0.5 kB an entry: some 64 MB per worker when full
_entries = {}


def fingerprint(*parts):
    """A short digest of byte strings, each length-prefixed (no two lists give the same bytes)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(len(part).to_bytes(4, "big"))
        digest.update(part)
    return digest.digest()


def entry(serial, sealed, derive):
    """The entry of ticket ``serial`` whose sealed inputs are ``sealed`` (bytes), ``derive()`` on a miss."""
    key = (serial, fingerprint(*sealed))
    found = _entries.get(key)
    if found is None:
        if len(_entries) >= LIMIT:
            _entries.clear()
        found = _entries[key] = derive()
    return found


def clear():
    _entries.clear()
