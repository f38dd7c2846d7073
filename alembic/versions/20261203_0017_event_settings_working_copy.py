"""The working copy of an event's gate settings on its content item (#12.2).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

Phone-only entry and the tickets' visibility delay become editable after
publication through the editorial workflow: the edit is kept on the
content item (``phone_only`` NULL: the working copy changes neither) and
copied onto the events row when a manager approves it. Existing items get
NULL, so approving them later leaves the events' settings as they are.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    # Plain nullable ADD COLUMNs: no table rebuild on SQLite, instant on MariaDB.
    op.add_column("content_items", sa.Column("phone_only", sa.Boolean(), nullable=True))
    op.add_column("content_items", sa.Column("tickets_visible_before", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("content_items") as batch:
        batch.drop_column("tickets_visible_before")
        batch.drop_column("phone_only")
