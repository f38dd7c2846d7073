"""Site content and the editorial workflow (pages, FAQ, news, event texts).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from olympix.models.meta import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("faq_group", sa.String(length=32), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reviewer_note", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_content_items_author_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["editor_id"], ["users.id"], name=op.f("fk_content_items_editor_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_content_items_event_id_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_items")),
        sa.UniqueConstraint("event_id", name=op.f("uq_content_items_event_id")),
        sa.UniqueConstraint("kind", "slug", name="uq_content_items_kind_slug"),
    )
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_items_editor_id"), ["editor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_items_state"), ["state"], unique=False)

    op.create_table(
        "content_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["content_items.id"],
                                name=op.f("fk_content_texts_item_id_content_items"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_texts")),
        sa.UniqueConstraint("item_id", "lang", "stage", name="uq_content_texts_item_id_lang_stage"),
    )

    op.create_table(
        "content_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("transition", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_content_history_actor_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["item_id"], ["content_items.id"],
                                name=op.f("fk_content_history_item_id_content_items"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_history")),
    )
    with op.batch_alter_table("content_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_history_item_id"), ["item_id"], unique=False)

    op.create_table(
        "contact_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_messages")),
    )
    with op.batch_alter_table("contact_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_messages_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_messages_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_messages_ip"), ["ip"], unique=False)


def downgrade():
    # Children first: content_texts and content_history point at content_items.
    op.drop_table("contact_messages")
    op.drop_table("content_history")
    op.drop_table("content_texts")
    op.drop_table("content_items")
