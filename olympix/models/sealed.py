"""Columns sealed at rest: the names of ticket holders and order attendees (issue #15.9).

``SealedText(purpose, length)`` reads and writes ``str``, so the rest of the
code is unchanged; the database holds ``key id ‖ nonce ‖ AES-GCM(text)``
(security/atrest.py), with ``purpose`` ("<table>.<column>") as associated
data: a blob copied to another column fails to open, and reading one that
cannot be opened raises ``atrest.SealedDataError`` naming the column, never
garbage. The key id lets the data keys rotate as for the sealed keys.

The models sit below ``security`` (docs/architecture.md), so they do not hold
the keys: a sealer — anything with ``seal(plaintext, purpose)`` and
``unseal(blob, purpose)`` on bytes, ``atrest.Sealer`` — is installed once per
process from ``olympix.data_keys`` by whatever parsed the settings (the
application's ``security`` include, the ``olympix`` commands). One process,
one data keyring.

Such a column cannot be searched, sorted or compared in SQL (every value has
its own nonce): look rows up by something else (the serial, the order).
"""
from sqlalchemy import VARBINARY, LargeBinary
from sqlalchemy.types import TypeDecorator

#: key id (1) + nonce (12) + tag (16), around the UTF-8 text.
OVERHEAD = 1 + 12 + 16
#: UTF-8 takes at most 4 bytes a character.
MAX_BYTES_PER_CHARACTER = 4

_installed = {}


class NoDataKeys(RuntimeError):
    """A sealed column was read or written before any data keyring was installed."""


def install(sealer):
    """Seal and open every ``SealedText`` column of this process with ``sealer``."""
    _installed["sealer"] = sealer


def installed():
    return _installed.get("sealer")


def open_text(purpose, blob):
    """The text a ``SealedText(purpose, ...)`` column holds as ``blob`` (its raw bytes), or None."""
    if blob is None:
        return None
    return _sealer(purpose).unseal(blob, purpose).decode("utf-8")


def sealed_length(length):
    """Bytes of the sealed form of at most ``length`` characters."""
    return OVERHEAD + MAX_BYTES_PER_CHARACTER * length


def _sealer(purpose):
    sealer = _installed.get("sealer")
    if sealer is None:
        raise NoDataKeys(f"{purpose} is sealed at rest and no data keyring is installed "
                         "(olympix.data_keys; see olympix.security.atrest.install)")
    return sealer


class SealedText(TypeDecorator):
    """A text of at most ``length`` characters, sealed with AES-GCM in the database.

    VARBINARY on MariaDB, BLOB on SQLite (which has no VARBINARY of its own).
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose, length):
        self.purpose = purpose
        self.length = length
        super().__init__(sealed_length(length))

    def load_dialect_impl(self, dialect):
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(VARBINARY(sealed_length(self.length)))
        return dialect.type_descriptor(LargeBinary(sealed_length(self.length)))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"{self.purpose} holds text, not {type(value).__name__}")
        if len(value) > self.length:
            raise ValueError(f"{self.purpose}: {len(value)} characters, at most {self.length}")
        return _sealer(self.purpose).seal(value.encode("utf-8"), self.purpose)

    def process_result_value(self, value, dialect):
        return open_text(self.purpose, value)

    def coerce_compared_value(self, op, value):
        # A comparison with a sealed column could never match: refuse it
        # where it is written rather than return nothing.
        raise TypeError(f"{self.purpose} is sealed at rest: it cannot be compared or searched in SQL")

    def __repr__(self):
        return f"SealedText({self.purpose!r}, {self.length})"
