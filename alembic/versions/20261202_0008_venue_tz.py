"""The time zone of a venue (its sessions' local times: Paris, or Tahiti for Teahupo'o).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Not null with a server default: the venues already there are in Paris.
    with op.batch_alter_table("venues") as batch:
        batch.add_column(sa.Column("tz", sa.String(64), nullable=False, server_default="Europe/Paris"))


def downgrade():
    with op.batch_alter_table("venues") as batch:
        batch.drop_column("tz")
