"""Named 256-bit keys so that keys can rotate.

A keyring setting reads ``"B:<base64 key>,A:<base64 key>"``: the first
entry is the current key (used to encrypt), every listed key decrypts.
Removing an entry retires that key: what was made under it is refused.
Key ids are one character of ``A-Z2-7`` so they fit in a ticket code.
"""
import base64
import binascii
import string

KEY_ID_ALPHABET = string.ascii_uppercase + "234567"
KEY_LENGTH = 32


class Keyring:
    def __init__(self, keys, current):
        if current not in keys:
            raise ValueError(f"current key id {current!r} is not in the ring")
        for key_id, key in keys.items():
            if len(key_id) != 1 or key_id not in KEY_ID_ALPHABET:
                raise ValueError(f"key id {key_id!r} must be one of {KEY_ID_ALPHABET}")
            if len(key) != KEY_LENGTH:
                raise ValueError(f"key {key_id!r} must be {KEY_LENGTH} bytes")
        self.keys = dict(keys)
        self.current = current

    @classmethod
    def from_setting(cls, text):
        keys = {}
        current = None
        for entry in str(text).split(","):
            entry = entry.strip()
            if not entry:
                continue
            key_id, sep, encoded = entry.partition(":")
            key_id = key_id.strip()
            if not sep:
                raise ValueError(f"entry {entry[:3]!r}… must read ID:base64key")
            if key_id in keys:
                raise ValueError(f"key id {key_id!r} appears twice")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"key {key_id!r} is not valid base64") from None
            keys[key_id] = key
            current = current or key_id
        if not keys:
            raise ValueError("no key given")
        return cls(keys, current)

    @property
    def current_key(self):
        return self.keys[self.current]

    def get(self, key_id):
        """The key for ``key_id``, or None when unknown or retired."""
        return self.keys.get(key_id)
