"""Migrations on a real MariaDB: empty → head, schema = models, triggers hold."""
import subprocess
import sys
import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from olympix.models import Base


@pytest.fixture
def empty_mariadb(mariadb, tmp_path):
    """A brand-new empty MariaDB database and an ini file pointing at it."""
    name = f"olympix_mig_{secrets.token_hex(4)}"
    server = create_engine("mysql+pymysql://root@127.0.0.1:3306/", isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    url = f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    ini = tmp_path / "test.ini"
    ini.write_text(
        "[app:main]\nuse = egg:olympix\n"
        f"sqlalchemy.url = {url}\n"
        "olympix.session_secret = insecure-dev-session-secret-for-migration-test\n"
        "olympix.code_pepper = insecure-dev-pepper\n"
        "olympix.data_keys = A:aW5zZWN1cmUtZGV2LWRhdGEta2V5LUEtMDAwMDAwMDA=\n"
        "olympix.ticket_keys = A:aW5zZWN1cmUtZGV2LXRpY2tldC1rZXktQS0wMDAwMDA=\n"
    )
    yield url, str(ini)
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    server.dispose()


def olympix(*args):
    return subprocess.run([sys.executable, "-m", "olympix.scripts.cli", *args],
                          capture_output=True, text=True, timeout=120)


def schema_differences(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_db_upgrade_from_empty_to_head_matches_the_models(empty_mariadb):
    url, ini = empty_mariadb
    result = olympix("db", "upgrade", ini)
    assert result.returncode == 0, result.stderr
    assert schema_differences(url) == []


def test_downgrade_to_base_and_up_again(empty_mariadb):
    url, ini = empty_mariadb
    assert olympix("db", "upgrade", ini).returncode == 0
    from alembic import command

    from olympix.scripts.db import alembic_config

    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = {row[0] for row in conn.execute(text("SHOW TABLES"))}
    engine.dispose()
    assert tables <= {"alembic_version"}
    command.upgrade(alembic_config(url), "head")
    assert schema_differences(url) == []


def test_sqlite_upgrade_gives_the_same_schema(tmp_path):
    from olympix.scripts.db import upgrade

    url = f"sqlite:///{tmp_path / 'schema.sqlite'}"
    upgrade(url)
    assert schema_differences(url) == []


def test_user_key_trigger_refuses_an_update(mariadb, make_user, db_engine):
    user_id = make_user("keys@example.test")
    with pytest.raises(OperationalError, match="user_key is immutable"):
        with db_engine.begin() as conn:
            conn.execute(text("UPDATE users SET user_key = :k WHERE id = :id"),
                         {"k": b"x" * 61, "id": user_id})
    # other columns still change
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE users SET first_name = 'Grace' WHERE id = :id"), {"id": user_id})


def test_model_refuses_a_user_key_change(app, make_user, dbsession):
    from olympix.models import User
    from olympix.models.accounts import ImmutableKeyError

    user = dbsession.get(User, make_user("model@example.test"))
    with pytest.raises(ImmutableKeyError):
        user.user_key = b"y" * 61
