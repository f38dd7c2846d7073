"""Gates, scans and gate device tokens.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from olympix.models.meta import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "gates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_gates_venue_id_venues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gates")),
        sa.UniqueConstraint("code", name=op.f("uq_gates_code")),
        sa.UniqueConstraint("venue_id", "name", name="uq_gates_venue_id_name"),
    )
    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gates_venue_id"), ["venue_id"], unique=False)

    op.create_table(
        "gate_device_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("gate_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], name=op.f("fk_gate_device_tokens_agent_id_users")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_gate_device_tokens_created_by_id_users")),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_gate_device_tokens_gate_id_gates")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"],
                                name=op.f("fk_gate_device_tokens_revoked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_device_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_gate_device_tokens_token_sha256")),
    )
    with op.batch_alter_table("gate_device_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gate_device_tokens_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gate_device_tokens_gate_id"), ["gate_id"], unique=False)

    op.create_table(
        "scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("gate_id", sa.Integer(), nullable=False),
        sa.Column("device_token_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("code_excerpt", sa.String(length=16), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], name=op.f("fk_scans_agent_id_users")),
        sa.ForeignKeyConstraint(["device_token_id"], ["gate_device_tokens.id"],
                                name=op.f("fk_scans_device_token_id_gate_device_tokens")),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_scans_gate_id_gates")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_scans_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scans")),
    )
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.create_index("ix_scans_agent_id_at", ["agent_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scans_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scans_gate_id"), ["gate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scans_ticket_id"), ["ticket_id"], unique=False)


def downgrade():
    op.drop_table("scans")
    op.drop_table("gate_device_tokens")
    op.drop_table("gates")
