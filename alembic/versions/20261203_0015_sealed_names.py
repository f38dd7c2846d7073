"""Holders' and attendees' names sealed at rest (issue #15.9).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

``tickets.attendee_first_name/attendee_last_name`` and
``order_attendees.first_name/last_name`` become binary columns holding
``key id ‖ nonce ‖ AES-GCM(name)`` under the data keys, with
"<table>.<column>" as associated data (models/sealed.py). Every existing row
is sealed here; the downgrade opens them again. Rows need the data keyring:
``olympix db upgrade INI`` passes the ini's, ``alembic -c INI`` reads it from
the ini (alembic/env.py). An empty database needs none.

On MariaDB the ALTERs come first (each commits), then the rows are sealed in
one transaction with the version's update: a failure there leaves every row
in clear under 0014, and running it again seals them. The downgrade opens
the rows first, then ALTERs back (which commits them).
"""
import sqlalchemy as sa
from alembic import context, op

from olympix.security import atrest

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = {
    "tickets": ("attendee_first_name", "attendee_last_name"),
    "order_attendees": ("first_name", "last_name"),
}
LENGTH = 100  # characters, as before
# 1 key id + 12 nonce + 16 tag + 4 bytes a character (models/sealed.py, frozen here).
SEALED_LENGTH = 1 + 12 + 16 + 4 * LENGTH
ROWS_PER_BATCH = 500


def _sealed_type():
    return sa.LargeBinary(SEALED_LENGTH).with_variant(sa.VARBINARY(SEALED_LENGTH), "mysql", "mariadb")


def _data_keys():
    keyring = context.config.attributes["olympix.data_keys"]()
    if keyring is None:
        raise RuntimeError(
            "revision 0015 seals the names already in the database and needs the data keys: run "
            "`olympix db upgrade INI` with the application's ini (olympix.data_keys, or OLYMPIX_DATA_KEYS)")
    return keyring


def _sqlite_triggers(bind, table):
    """The triggers a SQLite table rebuild (batch mode) would drop, to create them again."""
    if bind.dialect.name != "sqlite":
        return []
    return bind.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                        {"t": table}).all()


def _change_types(table, new_type, old_type):
    bind = op.get_bind()
    triggers = _sqlite_triggers(bind, table)
    with op.batch_alter_table(table) as batch:
        for column in COLUMNS[table]:
            batch.alter_column(column, type_=new_type, existing_type=old_type, existing_nullable=False)
    kept = {name for name, _sql in _sqlite_triggers(bind, table)}
    for name, sql in triggers:
        if name not in kept:
            op.execute(sql)


def _rewrite(table, change, value_type):
    """Replace every value of the table's name columns by ``change(value, purpose)``, in batches."""
    bind = op.get_bind()
    columns = COLUMNS[table]
    rows = sa.table(table, sa.column("id", sa.Integer), *(sa.column(c) for c in columns))
    total = bind.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one()
    if not total:
        return
    statement = (rows.update().where(rows.c.id == sa.bindparam("row_id"))
                 .values({c: sa.bindparam("new_" + c, type_=value_type) for c in columns}))
    last_id = 0
    for _batch in range(total // ROWS_PER_BATCH + 2):  # rows added meanwhile wait for the next run
        batch = bind.execute(sa.select(rows).where(rows.c.id > last_id).order_by(rows.c.id)
                             .limit(ROWS_PER_BATCH)).all()
        if not batch:
            return
        bind.execute(statement, [
            {"row_id": row.id, **{"new_" + c: change(getattr(row, c), f"{table}.{c}") for c in columns}}
            for row in batch])
        last_id = batch[-1].id


def _has_rows():
    return any(op.get_bind().execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() for table in COLUMNS)


def upgrade():
    # The keys first: without them, stop before changing anything (an empty database needs none).
    keyring = _data_keys() if _has_rows() else None
    for table in COLUMNS:
        _change_types(table, _sealed_type(), sa.String(LENGTH))
    if keyring is None:
        return

    def seal(value, purpose):
        if isinstance(value, str):  # SQLite keeps the text through the rebuild
            value = value.encode("utf-8")
        value = bytes(value)
        try:
            atrest.unseal(keyring, value, purpose)
            return value  # already sealed (a run that stopped half-way)
        except atrest.SealedDataError:
            return atrest.seal(keyring, value, purpose)

    for table in COLUMNS:
        _rewrite(table, seal, sa.LargeBinary())


def downgrade():
    if _has_rows():
        sealer = atrest.Sealer(_data_keys())

        def unseal(value, purpose):
            # Written as text, so that SQLite keeps a TEXT value through the rebuild.
            return sealer.unseal(value, purpose).decode("utf-8")

        for table in COLUMNS:
            _rewrite(table, unseal, sa.String(LENGTH))
    for table in COLUMNS:
        _change_types(table, sa.String(LENGTH), _sealed_type())
