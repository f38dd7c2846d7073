"""Sealed columns (models/sealed.py): str in Python, AES-GCM in the database, under the installed data keys."""
import base64

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text, update
from sqlalchemy.exc import StatementError

from olympix.models import sealed
from olympix.models.sealed import NoDataKeys, SealedText
from olympix.security import atrest
from olympix.security.keyring import Keyring


def keyring(*entries):
    return Keyring.from_setting(",".join(f"{key_id}:{base64.b64encode(bytes([n]) * 32).decode()}"
                                         for key_id, n in entries))


KEYS_A = keyring(("A", 1))
KEYS_B_THEN_A = keyring(("B", 2), ("A", 1))  # B is current, A still opens
KEYS_B = keyring(("B", 2))  # A retired


@pytest.fixture
def install():
    """Install a keyring for one test; the process's own comes back afterwards."""
    before = sealed.installed()
    yield atrest.install
    sealed._installed.clear()
    if before is not None:
        sealed.install(before)


@pytest.fixture
def people(tmp_path):
    metadata = MetaData()
    table = Table("people", metadata, Column("id", Integer, primary_key=True),
                  Column("first", SealedText("people.first", 10), nullable=False),
                  Column("last", SealedText("people.last", 10), nullable=False))
    engine = create_engine(f"sqlite:///{tmp_path / 'people.sqlite'}")
    metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def raw(engine, column, row_id=1):
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT {column} FROM people WHERE id = :id"), {"id": row_id}).scalar_one()


def test_a_name_is_sealed_in_the_database_and_read_back_as_text(install, people):
    engine, table = people
    install(KEYS_A)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, first="Zoé", last="Ängström"))
    stored = raw(engine, "first")
    assert isinstance(stored, bytes) and "Zoé".encode() not in stored
    assert stored[:1] == b"A" and len(stored) == 1 + 12 + len("Zoé".encode()) + 16
    assert atrest.unseal(KEYS_A, stored, "people.first") == "Zoé".encode()
    with engine.connect() as conn:
        assert conn.execute(select(table.c.first, table.c.last)).one() == ("Zoé", "Ängström")


def test_each_value_has_its_own_nonce(install, people):
    engine, table = people
    install(KEYS_A)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "first": "Ada", "last": "Ada"},
                                     {"id": 2, "first": "Ada", "last": "Ada"}])
    assert len({raw(engine, "first", 1), raw(engine, "first", 2), raw(engine, "last", 1)}) == 3


def test_a_blob_moved_to_another_column_does_not_open(install, people):
    engine, table = people
    install(KEYS_A)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, first="Ada", last="Lovelace"))
        conn.execute(text("UPDATE people SET last = first"))
    with engine.connect() as conn, pytest.raises(atrest.SealedDataError, match="people.last: stored secret"):
        conn.execute(select(table.c.last)).scalar_one()


def test_an_altered_blob_or_clear_text_raises_a_clear_error(install, people):
    engine, table = people
    install(KEYS_A)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, first="Ada", last="Lovelace"))
    stored = raw(engine, "first")
    with engine.begin() as conn:
        conn.execute(text("UPDATE people SET first = :b"), {"b": stored[:-1] + bytes([stored[-1] ^ 1])})
        conn.execute(text("UPDATE people SET last = 'Lovelace'"))  # clear text, as before 0015
    with engine.connect() as conn:
        with pytest.raises(atrest.SealedDataError, match="people.first: stored secret was altered"):
            conn.execute(select(table.c.first)).scalar_one()
        with pytest.raises(atrest.SealedDataError, match="people.last: clear text"):
            conn.execute(select(table.c.last)).scalar_one()


def test_rotation_new_values_under_the_new_key_old_ones_still_open(install, people):
    engine, table = people
    install(KEYS_A)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, first="Old", last="Key"))
    install(KEYS_B_THEN_A)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=2, first="New", last="Key"))
        # Re-writing a value re-seals it under the current key.
        conn.execute(update(table).where(table.c.id == 1).values(first="Old"))
    assert raw(engine, "first", 1)[:1] == raw(engine, "first", 2)[:1] == b"B"
    assert raw(engine, "last", 1)[:1] == b"A"
    with engine.connect() as conn:
        assert conn.execute(select(table.c.first, table.c.last).order_by(table.c.id)).all() == [
            ("Old", "Key"), ("New", "Key")]
    install(KEYS_B)  # A retired too early: a clear error, not garbage
    with engine.connect() as conn, pytest.raises(atrest.SealedDataError, match="people.last: unknown data key id"):
        conn.execute(select(table.c.last).where(table.c.id == 1)).scalar_one()


def test_without_a_keyring_nothing_is_written_or_read(install, people):
    engine, table = people
    sealed._installed.clear()
    with engine.begin() as conn, pytest.raises(StatementError, match="people.first is sealed") as raised:
        conn.execute(insert(table).values(id=1, first="Ada", last="Lovelace"))
    assert isinstance(raised.value.orig, NoDataKeys)


def test_a_sealed_column_refuses_a_comparison_in_sql(install, people):
    _engine, table = people
    with pytest.raises(TypeError, match="cannot be compared or searched"):
        select(table).where(table.c.first == "Ada")
    with pytest.raises(TypeError, match="cannot be compared or searched"):
        select(table).where(table.c.first.in_(["Ada", "Grace"]))


def test_the_length_in_characters_is_kept(install, people):
    engine, table = people
    install(KEYS_A)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, first="é" * 10, last="x"))  # 10 characters, 20 bytes
    with engine.begin() as conn, pytest.raises(StatementError, match="11 characters, at most 10"):
        conn.execute(insert(table).values(id=2, first="x" * 11, last="x"))
    with engine.connect() as conn:
        assert conn.execute(select(table.c.first)).scalars().all() == ["é" * 10]
