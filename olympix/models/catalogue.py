"""The catalogue: sports, venues, events (one competition session each), offers."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, UTCDateTime


class Sport(Base):
    __tablename__ = "sports"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_fr: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    icon: Mapped[str] = mapped_column(String(100))  # file under static/img/sports/

    def name(self, lang):
        return self.name_fr if lang == "fr" else self.name_en


class Venue(Base):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_fr: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    city: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: not published for this venue
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    #: The IANA time zone its sessions' times are given and shown in
    #: (Teahupo'o, in Tahiti, is not on Paris time).
    tz: Mapped[str] = mapped_column(String(64), default="Europe/Paris", server_default="Europe/Paris")

    def name(self, lang):
        return self.name_fr if lang == "fr" else self.name_en


class EventState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Event(Base):
    """One competition session. ``seats_left`` only moves by conditional UPDATE."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("seats_left >= 0 AND seats_left <= capacity", name="seats_in_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. ATH-0804-EVE
    sport_id: Mapped[int] = mapped_column(ForeignKey("sports.id"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    title_fr: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    image: Mapped[str] = mapped_column(String(200), default="")
    medal_session: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(Integer)
    seats_left: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=EventState.DRAFT, index=True)
    # Buyers may cancel their own paid orders (refunded in full) until
    # olympix.booking.self_cancel_before hours before the start. Off by
    # default, as at the Games.
    self_cancel: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The on-sale opening (issue 11): before it nothing is sold and visitors
    #: see the queue page; for a while after it, holds need an admission pass
    #: from the waiting room (services/waiting_room.py). None: no queue.
    onsale_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: People admitted from the queue per minute (None: the deployment's default).
    admission_rate: Mapped[int | None] = mapped_column(Integer)
    #: Events of one sale phase share one queue and one pass (None: the event's own).
    sale_phase: Mapped[str | None] = mapped_column(String(64))
    # Issue #12: the rotating phone code only (no PDF, printed code refused at
    # the gate), and when the holder sees the ticket (None: the global setting).
    phone_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    tickets_visible_before: Mapped[int | None] = mapped_column(Integer)  # hours before the start

    sport: Mapped[Sport] = relationship(lazy="joined")
    venue: Mapped[Venue] = relationship(lazy="joined")
    offers: Mapped[list["Offer"]] = relationship(back_populates="event", order_by="Offer.seats",
                                                 cascade="all, delete-orphan")

    def gates_open_at(self, opens_before):
        """When the gates open for this session: ``opens_before`` (a timedelta) before it starts.

        The one source of that time: the gate's verdict, the agents' list of
        sessions and the managers' "inside now" all ask here.
        """
        return self.starts_at - opens_before

    def title(self, lang):
        return self.title_fr if lang == "fr" else self.title_en

    def description(self, lang):
        return self.description_fr if lang == "fr" else self.description_en


class OfferKind(StrEnum):
    SOLO = "solo"
    DUO = "duo"
    FAMILY = "family"


OFFER_SEATS = {OfferKind.SOLO: 1, OfferKind.DUO: 2, OfferKind.FAMILY: 4}


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("event_id", "kind", name="uq_offers_event_id_kind"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("seats IN (1, 2, 4)", name="seats_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    seats: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)

    event: Mapped[Event] = relationship(back_populates="offers")
