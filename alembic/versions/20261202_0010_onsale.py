"""The on-sale surge (issue 11) and hold throttling (issue 15): opening times,
admission rates and sale phases on events, the waiting room's database
fallback, the address each hold came from.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from olympix.models.meta import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("onsale_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("admission_rate", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sale_phase", sa.String(64), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("client_address", sa.String(45), nullable=True))
        batch.create_index("ix_orders_client_address_created_at", ["client_address", "created_at"])
    op.create_table(
        "queue_places",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("queue_key", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("address", sa.String(45), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("pass_browser", sa.String(32), nullable=True),
        sa.Column("pass_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_queue_places"),
        sa.UniqueConstraint("queue_key", "user_id", name="uq_queue_places_queue_key_user_id"),
    )
    op.create_index("ix_queue_places_queue_key_score", "queue_places", ["queue_key", "score"])
    op.create_index("ix_queue_places_queue_key_address", "queue_places", ["queue_key", "address"])
    op.create_table(
        "queue_states",
        sa.Column("queue_key", sa.String(64), nullable=False),
        sa.Column("cursor", sa.Double(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("queue_key", name="pk_queue_states"),
    )


def downgrade():
    op.drop_table("queue_states")
    op.drop_index("ix_queue_places_queue_key_address", table_name="queue_places")
    op.drop_index("ix_queue_places_queue_key_score", table_name="queue_places")
    op.drop_table("queue_places")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_client_address_created_at")
        batch.drop_column("client_address")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("sale_phase")
        batch.drop_column("admission_rate")
        batch.drop_column("onsale_at")
