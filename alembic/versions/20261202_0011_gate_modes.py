"""Phone-only sessions, per-event ticket visibility, offline scans, history by trigger (issues #12, #11.4).

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
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
    # Not null with a server default: sessions already there keep their printed tickets.
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("phone_only", sa.Boolean(), nullable=False, server_default=sa.false()))
        # Hours before the start the holder sees the ticket; empty: the global setting.
        batch.add_column(sa.Column("tickets_visible_before", sa.Integer(), nullable=True))
    # Offline scans uploaded by a gate (POST /api/gate/sync): the device's nonce
    # makes a replayed upload change nothing; related_scan_id names the other
    # admission of a ticket admitted twice offline.
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("nonce", sa.String(64), nullable=True))
        batch.add_column(sa.Column("offline", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("related_scan_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_scans_nonce", ["nonce"])
        batch.create_foreign_key("fk_scans_related_scan_id_scans", "scans", ["related_scan_id"], ["id"])


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS tickets_state_history")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("state_actor_id")
    with op.batch_alter_table("scans") as batch:
        batch.drop_constraint("fk_scans_related_scan_id_scans", type_="foreignkey")
        batch.drop_constraint("uq_scans_nonce", type_="unique")
        batch.drop_column("related_scan_id")
        batch.drop_column("offline")
        batch.drop_column("nonce")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("tickets_visible_before")
        batch.drop_column("phone_only")
