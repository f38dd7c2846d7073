"""Revision 0015 on SQLite and MariaDB: the names already in the database get sealed, and opened again going down."""
import os
import secrets
import subprocess
import sys
from datetime import datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from olympix.models import OrderAttendee, Ticket, sealed
from olympix.scripts.db import ALEMBIC_DIR, alembic_config, upgrade
from olympix.security import atrest
from olympix.security.keyring import Keyring
from tests.conftest import TEST_SETTINGS
from tests.integration.test_migrations import schema_differences

KEYS = Keyring.from_setting(TEST_SETTINGS["olympix.data_keys"])
HOLDERS = [("Zoé", "Ängström"), ("Marie", "Dupont"), ("", "")]
ATTENDEES = 1203  # more than two batches of 500
NOW = datetime(2026, 12, 3, 10, 0)


@pytest.fixture(params=["sqlite", "mariadb"])
def database(request, tmp_path):
    """(url, ini) of a new database of either back end at revision 0014, with names in it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sealed.sqlite'}"
        server = name = None
    else:
        url = request.getfixturevalue("mariadb")  # skips without MariaDB
        name = f"olympix_seal_{secrets.token_hex(4)}"
        server = create_engine("mysql+pymysql://root@127.0.0.1:3306/", isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        url = f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    upgrade(url, "0014")
    fill(url)
    ini = tmp_path / "seal.ini"
    ini.write_text(
        "[app:main]\nuse = egg:olympix\n"
        f"sqlalchemy.url = {url}\n"
        f"olympix.session_secret = {TEST_SETTINGS['olympix.session_secret']}\n"
        f"olympix.code_pepper = {TEST_SETTINGS['olympix.code_pepper']}\n"
        f"olympix.data_keys = {TEST_SETTINGS['olympix.data_keys']}\n"
        f"olympix.ticket_keys = {TEST_SETTINGS['olympix.ticket_keys']}\n"
        f"\n[alembic]\nscript_location = {ALEMBIC_DIR}\n")
    yield url, str(ini)
    if server is not None:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        server.dispose()


@pytest.fixture
def data_keys():
    """The sealed columns open with the test's data keys in this process (as the app's would)."""
    before = sealed.installed()
    atrest.install(KEYS)
    yield KEYS
    sealed._installed.clear()
    if before is not None:
        sealed.install(before)


@pytest.fixture
def no_data_keys_in_the_environment(monkeypatch):
    monkeypatch.delenv("OLYMPIX_DATA_KEYS", raising=False)


def attendee_name(i):
    return (f"Prénom{i}", f"Nom{i}") if i % 3 else ("", "")


def fill(url):
    """Tickets and attendees written in clear, as 0014 stored them (the rows they point at need not exist)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name != "sqlite":
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        conn.execute(text(
            "INSERT INTO tickets (id, serial, order_id, event_id, owner_id, attendee_first_name, attendee_last_name, "
            "ticket_key, state, created_at, state_changed_at) VALUES (:id, :serial, 1, 1, 1, :first, :last, :key, "
            "'paid', :now, :now)"),
            [{"id": i, "serial": 1000 + i, "first": first, "last": last, "key": bytes([i]) * 61, "now": NOW}
             for i, (first, last) in enumerate(HOLDERS, 1)])
        conn.execute(text("INSERT INTO order_attendees (id, order_id, order_line_id, position, first_name, last_name) "
                          "VALUES (:id, 1, 1, :id, :first, :last)"),
                     [{"id": i, "first": attendee_name(i)[0], "last": attendee_name(i)[1]}
                      for i in range(1, ATTENDEES + 1)])
    engine.dispose()


def raw_rows(url, table, columns):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT id, {', '.join(columns)} FROM {table} ORDER BY id")).all()
    finally:
        engine.dispose()


def revision_of(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def olympix(*args):
    return subprocess.run([sys.executable, "-m", "olympix.scripts.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_db_upgrade_seals_every_name_and_the_models_read_them(database, data_keys):
    url, ini = database
    result = olympix("db", "upgrade", ini)
    assert result.returncode == 0, result.stderr

    tickets = raw_rows(url, "tickets", ("attendee_first_name", "attendee_last_name"))
    assert len(tickets) == len(HOLDERS)
    for (row_id, first, last), (name_first, name_last) in zip(tickets, HOLDERS):
        for blob, name, column in ((first, name_first, "attendee_first_name"), (last, name_last, "attendee_last_name")):
            assert isinstance(blob, bytes) and blob[:1] == b"A"
            if name:
                assert name.encode() not in blob
            assert atrest.unseal(KEYS, blob, f"tickets.{column}") == name.encode()
        with pytest.raises(atrest.SealedDataError):  # a column's blob does not open as another's
            atrest.unseal(KEYS, first, "tickets.attendee_last_name")
    attendees = raw_rows(url, "order_attendees", ("first_name", "last_name"))
    assert len(attendees) == ATTENDEES
    assert all(atrest.unseal(KEYS, first, "order_attendees.first_name").decode() == attendee_name(row_id)[0]
               for row_id, first, _last in attendees)

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            assert [(t.attendee_first_name, t.attendee_last_name)
                    for t in session.query(Ticket).order_by(Ticket.id)] == HOLDERS
            assert session.get(OrderAttendee, 1202).last_name == "Nom1202"
            assert session.get(OrderAttendee, 1203).last_name == ""
    finally:
        engine.dispose()
    assert schema_differences(url) == []


def test_the_tickets_triggers_survive_the_rebuild(database, data_keys):
    url, ini = database
    assert olympix("db", "upgrade", ini).returncode == 0
    engine = create_engine(url)
    try:
        with pytest.raises((OperationalError, IntegrityError), match="ticket_key is immutable"):
            with engine.begin() as conn:
                conn.execute(text("UPDATE tickets SET ticket_key = :k WHERE id = 1"), {"k": b"x" * 61})
        with engine.begin() as conn:
            conn.execute(text("UPDATE tickets SET state = 'scanned', state_changed_at = :now WHERE id = 1"),
                         {"now": NOW})
            assert conn.execute(text("SELECT to_state FROM ticket_history WHERE ticket_id = 1")).scalars().all() == [
                "scanned"]
    finally:
        engine.dispose()


def test_downgrade_opens_the_names_again(database, data_keys):
    url, ini = database
    upgrade(url, data_keys=KEYS)
    command.downgrade(alembic_config(url, KEYS), "0014")
    assert [tuple(row[1:]) for row in raw_rows(url, "tickets", ("attendee_first_name", "attendee_last_name"))] == \
        HOLDERS
    attendees = raw_rows(url, "order_attendees", ("first_name", "last_name"))
    assert all(isinstance(first, str) and (first, last) == attendee_name(row_id) for row_id, first, last in attendees)
    upgrade(url, data_keys=KEYS)  # and up again
    assert schema_differences(url) == []


def test_without_the_data_keys_it_stops_with_a_clear_message_and_runs_again_with_them(
        database, data_keys, no_data_keys_in_the_environment):
    url, _ini = database
    with pytest.raises(RuntimeError, match="needs the data keys: run `olympix db upgrade INI`"):
        upgrade(url)
    # Nothing changed: still 0014, every name in clear.
    rows = raw_rows(url, "tickets", ("attendee_first_name", "attendee_last_name"))
    assert [tuple(row[1:]) for row in rows] == HOLDERS
    assert revision_of(url) == "0014"
    upgrade(url, data_keys=KEYS)
    assert revision_of(url) == ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    first = raw_rows(url, "tickets", ("attendee_first_name",))[0][1]
    assert atrest.unseal(KEYS, first, "tickets.attendee_first_name") == "Zoé".encode()


def test_alembic_run_with_the_apps_ini_reads_the_keys_from_it(database, data_keys, no_data_keys_in_the_environment):
    url, ini = database
    if not url.startswith("sqlite"):
        pytest.skip("one back end is enough for where the keys come from")
    result = subprocess.run([sys.executable, "-m", "alembic", "-c", ini, "upgrade", "head"],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "OLYMPIX_DATA_KEYS": ""})
    assert result.returncode == 0, result.stderr
    first = raw_rows(url, "tickets", ("attendee_first_name",))[0][1]
    assert atrest.unseal(KEYS, first, "tickets.attendee_first_name") == "Zoé".encode()
