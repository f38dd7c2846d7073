"""A ticket's state history written by the database (issue #11.4, the gate's part).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Every change of a ticket's state writes its history row in the database
# itself: the gate's admit is then one UPDATE and one INSERT (the scan) from
# the application. ``state_actor_id`` carries who made the change into the
# trigger (no foreign key: the history row's ``actor_id`` has it, and a plain
# ADD COLUMN keeps SQLite from rebuilding the table, which would drop its
# immutable-key trigger).
_HISTORY_COLUMNS = "ticket_id, from_state, to_state, at, actor_id, reason"
_HISTORY_VALUES = "NEW.id, OLD.state, NEW.state, NEW.state_changed_at, NEW.state_actor_id, NEW.state_reason"


def _create_history_trigger():
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        op.execute(
            "CREATE TRIGGER tickets_state_history AFTER UPDATE ON tickets FOR EACH ROW "
            f"BEGIN IF NOT (NEW.state <=> OLD.state) THEN INSERT INTO ticket_history ({_HISTORY_COLUMNS}) "
            f"VALUES ({_HISTORY_VALUES}); END IF; END")
    else:
        op.execute(
            "CREATE TRIGGER tickets_state_history AFTER UPDATE OF state ON tickets "
            f"WHEN NEW.state IS NOT OLD.state BEGIN INSERT INTO ticket_history ({_HISTORY_COLUMNS}) "
            f"VALUES ({_HISTORY_VALUES}); END")


def upgrade():
    op.add_column("tickets", sa.Column("state_actor_id", sa.Integer(), nullable=True))
    _create_history_trigger()


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS tickets_state_history")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("state_actor_id")
