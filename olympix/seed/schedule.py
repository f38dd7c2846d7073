"""The demo catalogue (sports, venues, sessions) and the demo schedule.

Pure functions, no database: the seeding command (or anything else) reads the
shipped CSV files in ``olympix/seed/data/`` with :func:`load_sports`,
:func:`load_venues` and :func:`load_sessions`, and :func:`demo_schedule` moves
the real Paris 2024 sessions into the coming weeks.

The data are real Paris 2024 sessions (dates, local times, venues) picked from
the shared demo data set; prices (euro cents) and ``capacity`` (the seats
olympix sells for the session, a small share of the venue) are demo values.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

DATA_DIR = Path(__file__).resolve().parent / "data"

PARIS = ZoneInfo("Europe/Paris")

#: The time zone of each demo venue, where it is not Paris: the times of
#: sessions.csv are local times, and Teahupo'o (surfing) is on Tahiti time.
#: The seed copies it into ``Venue.tz``; the application reads only that.
VENUE_TIMEZONES: dict[str, str] = {"teahupoo": "Pacific/Tahiti"}
DEFAULT_TIMEZONE = "Europe/Paris"

#: The session that :func:`demo_schedule` puts on today, open at the gate now:
#: the evening athletics session of 4 August 2024 with the men's 100 m final
#: at the Stade de France.
DEMO_TODAY_CODE = "ATH-0804-EVE"

#: How the demo-today session sits around ``now``.
DEMO_TODAY_BEFORE = timedelta(minutes=30)
DEMO_TODAY_AFTER = timedelta(hours=3)

#: The session :func:`demo_schedule` puts on later today, still on sale, with
#: its gates already open (they open ``olympix.gate.opens_before`` before the
#: start): a newcomer buys a ticket and scans it at once. The judo mixed team
#: final of 3 August 2024 at the Champ-de-Mars Arena.
DEMO_SOON_CODE = "JUD-0803-AFT"
#: Its default start, from ``now`` (the seed takes it from the gate's opening
#: setting), and its length.
DEMO_SOON_IN = timedelta(hours=2)
DEMO_SOON_LENGTH = timedelta(hours=1, minutes=30)


@dataclass(frozen=True)
class Sport:
    slug: str
    name_fr: str
    name_en: str
    icon: str  # file name under olympix/static/img/sports/


@dataclass(frozen=True)
class Venue:
    slug: str
    name_fr: str
    name_en: str
    city: str
    address: str  # "" when unknown
    capacity: int | None  # seating capacity of the venue, None when unknown
    lat: float | None
    lon: float | None
    tz: str = DEFAULT_TIMEZONE  # IANA name, for Venue.tz


@dataclass(frozen=True)
class Session:
    code: str
    sport_slug: str
    title_fr: str
    title_en: str
    venue_slug: str
    date: date  # real local date (venue time zone)
    start: time  # real local start time
    end: time  # real local end time
    medal_session: bool
    price_solo: int  # euro cents, 1 seat
    price_duo: int  # euro cents, 2 seats
    price_family: int  # euro cents, 4 seats
    capacity: int  # seats olympix sells for this session

    @property
    def timezone(self) -> ZoneInfo:
        """The zone of the venue the local times are written in."""
        return ZoneInfo(VENUE_TIMEZONES.get(self.venue_slug, DEFAULT_TIMEZONE))


class DemoSlot(NamedTuple):
    """One entry of :func:`demo_schedule`: unpacks as (session, start, end)."""

    session: Session
    start: datetime  # timezone-aware, UTC
    end: datetime  # timezone-aware, UTC


def _rows(name: str, data_dir: Path | None) -> list[dict[str, str]]:
    path = (data_dir or DATA_DIR) / name
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _opt_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _opt_float(value: str) -> float | None:
    return float(value) if value.strip() else None


def load_sports(data_dir: Path | None = None) -> list[Sport]:
    return [
        Sport(slug=r["slug"], name_fr=r["name_fr"], name_en=r["name_en"], icon=r["icon"])
        for r in _rows("sports.csv", data_dir)
    ]


def load_venues(data_dir: Path | None = None) -> list[Venue]:
    return [
        Venue(
            slug=r["slug"],
            name_fr=r["name_fr"],
            name_en=r["name_en"],
            city=r["city"],
            address=r["address"],
            capacity=_opt_int(r["capacity"]),
            lat=_opt_float(r["lat"]),
            lon=_opt_float(r["lon"]),
            tz=VENUE_TIMEZONES.get(r["slug"], DEFAULT_TIMEZONE),
        )
        for r in _rows("venues.csv", data_dir)
    ]


def load_sessions(data_dir: Path | None = None) -> list[Session]:
    """The demo sessions, in the order of the file (chronological)."""
    return [
        Session(
            code=r["code"],
            sport_slug=r["sport_slug"],
            title_fr=r["title_fr"],
            title_en=r["title_en"],
            venue_slug=r["venue_slug"],
            date=date.fromisoformat(r["date"]),
            start=time.fromisoformat(r["start"]),
            end=time.fromisoformat(r["end"]),
            medal_session=r["medal_session"].strip().lower() == "yes",
            price_solo=int(r["price_solo"]),
            price_duo=int(r["price_duo"]),
            price_family=int(r["price_family"]),
            capacity=int(r["capacity"]),
        )
        for r in _rows("sessions.csv", data_dir)
    ]


def _real_start(s: Session) -> datetime:
    return datetime.combine(s.date, s.start, tzinfo=s.timezone)


def demo_schedule(
    sessions: list[Session],
    now: datetime,
    today_code: str | None = DEMO_TODAY_CODE,
    soon_code: str | None = DEMO_SOON_CODE,
    soon_in: timedelta = DEMO_SOON_IN,
) -> list[DemoSlot]:
    """Move the real sessions into the coming weeks.

    * The session ``today_code`` (if present) is put on today, open now:
      start = ``now`` - 30 min, end = ``now`` + 3 h, both rounded down to the
      minute. Calling this again later still gives a session open "now".
    * The session ``soon_code`` (if present) starts ``soon_in`` after ``now``
      (rounded down to the minute) and lasts 1 h 30: still on sale, and its
      gates open now when ``soon_in`` is shorter than their opening time.
    * Every other session keeps its local time of day (in its venue's time
      zone, Paris except Teahupo'o) and its spacing in days: the first day of
      the real schedule (the earliest date among them) becomes tomorrow, by the
      Paris date of ``now``. So they all start after today (Paris).
    * An end time earlier than the start time means the session ends after
      midnight (next day).

    Returns (session, start, end) tuples with timezone-aware UTC datetimes,
    the demo-today session first, the soon one next, then the others in their real
    chronological order. Deterministic for a given ``now``; ``now`` must be
    timezone-aware.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("demo_schedule: 'now' must be timezone-aware")
    now_utc = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    tomorrow = now.astimezone(PARIS).date() + timedelta(days=1)

    today = [s for s in sessions if s.code == today_code]
    soon = [s for s in sessions if s.code == soon_code and s.code != today_code]
    others = sorted(
        (s for s in sessions if s.code not in (today_code, soon_code)),
        key=lambda s: (_real_start(s), s.code),
    )

    slots: list[DemoSlot] = [
        DemoSlot(s, now_utc - DEMO_TODAY_BEFORE, now_utc + DEMO_TODAY_AFTER)
        for s in today[:1]
    ]
    slots += [DemoSlot(s, now_utc + soon_in, now_utc + soon_in + DEMO_SOON_LENGTH) for s in soon[:1]]
    if others:
        first_day = min(s.date for s in others)
        for s in others:
            day = tomorrow + (s.date - first_day)
            tz = s.timezone
            start = datetime.combine(day, s.start, tzinfo=tz)
            end_day = day if s.end > s.start else day + timedelta(days=1)
            end = datetime.combine(end_day, s.end, tzinfo=tz)
            slots.append(
                DemoSlot(s, start.astimezone(timezone.utc), end.astimezone(timezone.utc))
            )
    return slots
