"""Database triggers that keep secret keys immutable (user_key, ticket_key).

Used by alembic revisions; the models refuse the change too, but a trigger
also stops a hand-written UPDATE or another program.
"""
from alembic import op


def immutable_key_trigger(table, column):
    """Refuse any UPDATE that changes ``column``, in the database itself."""
    name = f"{table}_{column}_immutable"
    dialect = op.get_bind().dialect.name
    if dialect in ("mysql", "mariadb"):
        op.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW "
            f"BEGIN IF NOT (NEW.{column} <=> OLD.{column}) THEN "
            f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{column} is immutable'; "
            f"END IF; END"
        )
    elif dialect == "sqlite":
        op.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {column} ON {table} "
            f"WHEN NEW.{column} IS NOT OLD.{column} "
            f"BEGIN SELECT RAISE(ABORT, '{column} is immutable'); END"
        )


def drop_immutable_key_trigger(table, column):
    op.execute(f"DROP TRIGGER IF EXISTS {table}_{column}_immutable")
