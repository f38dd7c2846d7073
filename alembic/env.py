"""Alembic environment: the URL comes from the ini's sqlalchemy.url (or -x url=)."""
from alembic import context
from sqlalchemy import engine_from_config, pool

from olympix.models import Base

config = context.config
target_metadata = Base.metadata


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
