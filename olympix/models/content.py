"""Site content and its editorial workflow; contact messages.

A content item (a page, a FAQ entry, a news item, or the texts of one
event) carries two sets of texts per language: the *published* one, which
is all the public ever reads, and the *working* one, which editors change
and managers review. Approving copies working onto published (for an event,
onto the ``events`` row itself), so a pending edit is never visible.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .catalogue import Event, EventState
from .meta import Base, UTCDateTime


#: The event's settings an event's texts carry a working copy of (issue #12.2).
EVENT_SETTINGS = ("phone_only", "tickets_visible_before")


class ContentKind(StrEnum):
    PAGE = "page"
    FAQ = "faq"
    NEWS = "news"
    EVENT = "event"


class ContentState(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


class TextStage(StrEnum):
    PUBLISHED = "published"
    WORKING = "working"


class ContentItem(Base):
    """One piece of content and the state of its working copy."""

    __tablename__ = "content_items"
    __table_args__ = (UniqueConstraint("kind", "slug", name="uq_content_items_kind_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(120))
    faq_group: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Event texts: the published version lives on the events row.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=ContentState.DRAFT, index=True)
    reviewer_note: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Event texts: the working copy of the event's gate settings (issue #12.2),
    # copied onto the events row on approval like the texts. ``phone_only``
    # None means the working copy leaves both as they are (an item saved
    # before they were in the form, or just approved): None is also a real
    # value of ``tickets_visible_before`` (the site's delay).
    phone_only: Mapped[bool | None] = mapped_column()
    tickets_visible_before: Mapped[int | None] = mapped_column(Integer)

    texts: Mapped[list["ContentText"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True)
    history: Mapped[list["ContentHistory"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ContentHistory.id")
    event: Mapped[Event | None] = relationship()

    def text(self, lang, stage):
        """The (title, body) of one language and stage, or None."""
        if self.kind == ContentKind.EVENT and stage == TextStage.PUBLISHED:
            # A draft event (made in the back office) has no public version yet.
            if self.event is None or self.event.state == EventState.DRAFT:
                return None
            return self.event.title(lang), self.event.description(lang)
        for text in self.texts:
            if text.lang == lang and text.stage == stage:
                return text.title, text.body
        return None

    def set_text(self, lang, stage, title, body):
        if self.kind == ContentKind.EVENT and stage == TextStage.PUBLISHED:
            setattr(self.event, f"title_{lang}", title)
            setattr(self.event, f"description_{lang}", body)
            return
        for text in self.texts:
            if text.lang == lang and text.stage == stage:
                text.title, text.body = title, body
                return
        self.texts.append(ContentText(lang=lang, stage=stage, title=title, body=body))

    def settings_changes(self):
        """{name: [the event's value, the working copy's]} of the gate settings it changes."""
        if self.event is None or self.phone_only is None:
            return {}
        return {name: [getattr(self.event, name), getattr(self, name)] for name in EVENT_SETTINGS
                if getattr(self.event, name) != getattr(self, name)}

    def publish_settings(self):
        """Copy the working gate settings onto the event (approval); returns ``settings_changes()``.

        The working copy is emptied: the event's own values are the
        reference again, whatever changes them next.
        """
        changed = self.settings_changes()
        for name, (_old, new) in changed.items():
            setattr(self.event, name, new)
        self.phone_only = self.tickets_visible_before = None
        return changed

    @property
    def is_live(self):
        """Whether the public has a version to read."""
        return self.kind == ContentKind.EVENT or self.published_at is not None


class ContentText(Base):
    __tablename__ = "content_texts"
    __table_args__ = (
        UniqueConstraint("item_id", "lang", "stage", name="uq_content_texts_item_id_lang_stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(5))
    stage: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)

    item: Mapped[ContentItem] = relationship(back_populates="texts")


class ContentHistory(Base):
    """Every workflow decision: who, when, which transition, the note."""

    __tablename__ = "content_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"),
                                         index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    transition: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[ContentItem] = relationship(back_populates="history")
    actor = relationship("User")


class ContactStatus(StrEnum):
    NEW = "new"
    HANDLED = "handled"


class ContactMessage(Base):
    """A message sent through /contact; ``ip`` and ``email`` feed the rate limit."""

    __tablename__ = "contact_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ContactStatus.NEW)
