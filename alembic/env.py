"""Alembic environment: the URL comes from the ini's sqlalchemy.url (or -x url=).

Revisions that seal data (0015) find the data keyring with
``context.config.attributes["olympix.data_keys"]()``: see ``data_keys``.
"""
import functools
import os

from alembic import context
from pyramid.paster import get_appsettings
from sqlalchemy import engine_from_config, pool

from olympix.models import Base
from olympix.security.keyring import Keyring
from olympix.settings import SECRET_ENV, parse

config = context.config
target_metadata = Base.metadata


@functools.cache
def data_keys():
    """The data keyring (``olympix.data_keys``), read as the application reads it, or None.

    ``olympix db upgrade INI`` hands over the one of its settings; ``alembic
    -c development.ini`` parses the ini's [app:main] as the application does
    (the environment's OLYMPIX_DATA_KEYS first); with neither, that variable
    alone. Only asked for when there are rows to seal or open.
    """
    if config.attributes.get("data_keys") is not None:
        return config.attributes["data_keys"]
    ini = config.config_file_name
    if ini and config.file_config.has_section("app:main"):
        return parse(get_appsettings(ini))["olympix.data_keys.parsed"]
    setting = os.environ.get(SECRET_ENV["olympix.data_keys"])
    return Keyring.from_setting(setting) if setting else None


config.attributes["olympix.data_keys"] = data_keys


def database_url():
    x = context.get_x_argument(as_dictionary=True)
    if x.get("url"):
        return x["url"]
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        # `alembic -c development.ini` reads the app section's URL.
        url = config.get_section_option("app:main", "sqlalchemy.url")
    return url


def run_migrations_offline():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = engine_from_config({"sqlalchemy.url": database_url()}, prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection):
    # Batch mode lets the same revision ALTER tables on SQLite too.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
