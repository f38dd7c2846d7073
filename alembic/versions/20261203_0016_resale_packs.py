"""A Duo/Family pack resold as one listing (#13.1): a listing names its tickets.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

``resale_listing_tickets`` holds every ticket of a listing (one for a single
ticket, two to four for a pack); ``resale_listings.seats`` says how many.
The listings made before this revision are single tickets: one row each.
(Written after 0014; chained behind the other 0015 when merged.)
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no table rebuild on SQLite).
    op.add_column("resale_listings", sa.Column("seats", sa.Integer(), nullable=False, server_default=sa.text("1")))
    op.create_table(
        "resale_listing_tickets",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["listing_id"], ["resale_listings.id"],
                                name=op.f("fk_resale_listing_tickets_listing_id_resale_listings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_resale_listing_tickets_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("listing_id", "ticket_id", name=op.f("pk_resale_listing_tickets")),
    )
    with op.batch_alter_table("resale_listing_tickets") as batch:
        batch.create_index(batch.f("ix_resale_listing_tickets_ticket_id"), ["ticket_id"], unique=False)
    op.execute("INSERT INTO resale_listing_tickets (listing_id, ticket_id) SELECT id, ticket_id FROM resale_listings")


def downgrade():
    op.drop_table("resale_listing_tickets")
    with op.batch_alter_table("resale_listings") as batch:
        batch.drop_column("seats")
