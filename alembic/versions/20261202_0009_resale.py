"""Refunds as rows retried until the provider takes them (#15.1, #13.3); events a buyer may cancel.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from olympix.models.meta import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("provider_refund_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("succeeded_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_refunds_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_refunds_payment_id_payments"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_refunds_idempotency_key")),
    )
    with op.batch_alter_table("refunds") as batch:
        batch.create_index(batch.f("ix_refunds_order_id"), ["order_id"], unique=False)
        batch.create_index(batch.f("ix_refunds_payment_id"), ["payment_id"], unique=False)
        batch.create_index(batch.f("ix_refunds_status"), ["status"], unique=False)


    # Refunds made before this revision live only in payments.refunded_cents:
    # one succeeded row each, so the figures and the buyer's order show them.
    payments = sa.table("payments", sa.column("id"), sa.column("order_id"), sa.column("checkout_id"),
                        sa.column("refunded_cents"), sa.column("updated_at", UTCDateTime()))
    refunds = sa.table("refunds", *(sa.column(name) for name in (
        "payment_id", "order_id", "amount_cents", "whole", "reason", "idempotency_key", "status", "attempts")),
        sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()),
        sa.column("succeeded_at", UTCDateTime()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(payments).where(payments.c.refunded_cents > 0)).all()
    if rows:
        bind.execute(refunds.insert(), [{
            "payment_id": r.id, "order_id": r.order_id, "amount_cents": r.refunded_cents, "whole": False,
            "reason": "cancelled by staff", "idempotency_key": f"olympix-refund-{r.checkout_id}-before-0009",
            "status": "succeeded", "attempts": 1, "created_at": r.updated_at, "updated_at": r.updated_at,
            "succeeded_at": r.updated_at} for r in rows])
    # Not null with a server default: the events already there stay as they were (no self-cancel).
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("self_cancel", sa.Boolean(), nullable=False, server_default=sa.false()))


    op.create_table(
        "resale_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("price_cents > 0", name=op.f("ck_resale_listings_price_positive")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_resale_listings_event_id_events")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_resale_listings_order_id_orders")),
        sa.ForeignKeyConstraint(["seller_id"], ["users.id"], name=op.f("fk_resale_listings_seller_id_users")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_resale_listings_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resale_listings")),
    )
    with op.batch_alter_table("resale_listings") as batch:
        batch.create_index(batch.f("ix_resale_listings_event_id"), ["event_id"], unique=False)
        batch.create_index(batch.f("ix_resale_listings_order_id"), ["order_id"], unique=False)
        batch.create_index(batch.f("ix_resale_listings_seller_id"), ["seller_id"], unique=False)
        batch.create_index(batch.f("ix_resale_listings_ticket_id"), ["ticket_id"], unique=False)
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("resale_listing_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_order_lines_resale_listing_id_resale_listings"), "resale_listings",
                                 ["resale_listing_id"], ["id"])


def downgrade():
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_constraint(batch.f("fk_order_lines_resale_listing_id_resale_listings"), type_="foreignkey")
        batch.drop_column("resale_listing_id")
    op.drop_table("resale_listings")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("self_cancel")
    op.drop_table("refunds")
