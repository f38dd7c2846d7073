"""The waiting list of sold-out sessions (#13.2).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from olympix.models.meta import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "waiting_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=True),
        sa.Column("offer_until", UTCDateTime(), nullable=True),
        sa.CheckConstraint("seats > 0", name=op.f("ck_waiting_list_seats_positive")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_waiting_list_event_id_events")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_waiting_list_order_id_orders")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_waiting_list_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waiting_list")),
    )
    with op.batch_alter_table("waiting_list") as batch:
        batch.create_index(batch.f("ix_waiting_list_event_id"), ["event_id"], unique=False)
        batch.create_index(batch.f("ix_waiting_list_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("waiting_list")
