"""Connections and visits counted for the managers' figures; why a code was voided.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from olympix.models.meta import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("day", "visitor", name="uq_visits_day_visitor"),
    )
    op.create_index(op.f("ix_visits_day"), "visits", ["day"])
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_sign_ins_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
    )
    op.create_index(op.f("ix_sign_ins_user_id"), "sign_ins", ["user_id"])
    op.create_index(op.f("ix_sign_ins_at"), "sign_ins", ["at"])
    # Codes voided by wrong tries are an anomaly (KRI); those voided by a
    # new code are not: the figures need to tell them apart.
    with op.batch_alter_table("verification_codes") as batch:
        batch.add_column(sa.Column("voided_reason", sa.String(16), nullable=True))
        batch.add_column(sa.Column("voided_at", UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("verification_codes") as batch:
        batch.drop_column("voided_at")
        batch.drop_column("voided_reason")
    op.drop_table("sign_ins")
    op.drop_table("visits")
