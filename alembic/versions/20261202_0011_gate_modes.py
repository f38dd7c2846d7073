"""Phone-only sessions, per-event ticket visibility, offline scans (issue #12).

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


def upgrade():
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
    with op.batch_alter_table("scans") as batch:
        batch.drop_constraint("fk_scans_related_scan_id_scans", type_="foreignkey")
        batch.drop_constraint("uq_scans_nonce", type_="unique")
        batch.drop_column("related_scan_id")
        batch.drop_column("offline")
        batch.drop_column("nonce")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("tickets_visible_before")
        batch.drop_column("phone_only")
