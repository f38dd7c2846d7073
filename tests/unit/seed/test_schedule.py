"""The shipped demo catalogue and the demo schedule (olympix.seed.schedule)."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest

from olympix.seed import schedule
from olympix.seed.schedule import (
    DEMO_SOON_CODE,
    DEMO_TODAY_CODE,
    demo_schedule,
    load_sessions,
    load_sports,
    load_venues,
)

PARIS = ZoneInfo("Europe/Paris")
# The two sessions put around now; every other one keeps its real rhythm.
AROUND_NOW = (DEMO_TODAY_CODE, DEMO_SOON_CODE)
SPORT_IMAGES = Path(schedule.__file__).resolve().parent.parent / "static" / "img" / "sports"

# A few "now"s: summer time, winter time, late evening (Paris date differs
# from the UTC date), just before the autumn clock change.
NOWS = [
    datetime(2025, 6, 12, 10, 17, 42, tzinfo=timezone.utc),
    datetime(2026, 1, 20, 15, 0, tzinfo=PARIS),
    datetime(2025, 9, 1, 22, 45, tzinfo=timezone.utc),  # 00:45 on 2 Sept in Paris
    datetime(2025, 10, 20, 8, 5, 59, 123456, tzinfo=timezone.utc),
]


@pytest.fixture(scope="module")
def sessions():
    return load_sessions()


@pytest.fixture(scope="module")
def sports():
    return load_sports()


@pytest.fixture(scope="module")
def venues():
    return load_venues()


# --- the catalogue ---------------------------------------------------------


def test_enough_sessions_sports_and_venues(sessions, sports, venues):
    assert len(sessions) >= 45
    assert len({s.sport_slug for s in sessions}) >= 16
    assert len({s.venue_slug for s in sessions}) >= 12
    assert len(sports) >= 16
    assert len(venues) >= 12


def test_codes_and_slugs_are_unique(sessions, sports, venues):
    assert len({s.code for s in sessions}) == len(sessions)
    assert len({s.slug for s in sports}) == len(sports)
    assert len({v.slug for v in venues}) == len(venues)


def test_every_session_has_its_sport_and_venue(sessions, sports, venues):
    sport_slugs = {s.slug for s in sports}
    venue_slugs = {v.slug for v in venues}
    for s in sessions:
        assert s.sport_slug in sport_slugs, s.code
        assert s.venue_slug in venue_slugs, s.code


def test_only_used_sports_and_venues_are_shipped(sessions, sports, venues):
    assert {s.slug for s in sports} == {s.sport_slug for s in sessions}
    assert {v.slug for v in venues} == {s.venue_slug for s in sessions}


def test_prices_and_capacity(sessions):
    for s in sessions:
        assert 0 < s.price_solo < s.price_duo < s.price_family, s.code
        assert s.price_duo <= 2 * s.price_solo, s.code  # a Duo is never dearer than two Solos
        assert s.price_family <= 4 * s.price_solo, s.code
        assert s.capacity > 0, s.code
        assert s.title_fr and s.title_en, s.code


def test_session_capacity_is_a_share_of_the_venue(sessions, venues):
    by_slug = {v.slug: v for v in venues}
    for s in sessions:
        venue_capacity = by_slug[s.venue_slug].capacity
        if venue_capacity is not None:
            assert s.capacity < venue_capacity, s.code


def test_demo_today_session_exists(sessions):
    assert DEMO_TODAY_CODE in {s.code for s in sessions}


def test_every_sport_has_an_svg_that_parses(sports):
    for sport in sports:
        assert sport.icon == f"{sport.slug}.svg"
        image = SPORT_IMAGES / sport.icon
        assert image.is_file(), image
        assert image.stat().st_size < 6 * 1024, image
        root = ElementTree.parse(image).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", image


def test_all_shipped_svgs_parse():
    files = sorted(SPORT_IMAGES.glob("*.svg"))
    assert files
    for f in files:
        ElementTree.parse(f)


# --- the demo schedule -----------------------------------------------------


@pytest.mark.parametrize("now", NOWS)
def test_today_session_is_open_now(sessions, now):
    slots = demo_schedule(sessions, now)
    today = [slot for slot in slots if slot.session.code == DEMO_TODAY_CODE]
    assert len(today) == 1
    _, start, end = today[0]
    assert start <= now < end
    assert start.second == start.microsecond == end.second == end.microsecond == 0
    now_minute = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    assert start == now_minute - timedelta(minutes=30)
    assert end == now_minute + timedelta(hours=3)


@pytest.mark.parametrize("now", NOWS)
def test_soon_session_starts_later_on_sale_with_its_gates_open(sessions, now):
    slots = demo_schedule(sessions, now, soon_in=timedelta(hours=2))
    assert [slot.session.code for slot in slots[:2]] == [DEMO_TODAY_CODE, DEMO_SOON_CODE]
    _, start, end = slots[1]
    now_minute = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    assert start == now_minute + timedelta(hours=2) and end == start + timedelta(hours=1, minutes=30)
    # the gates open 3 h before the start by default: they are open now
    assert start - timedelta(minutes=180) <= now < start


@pytest.mark.parametrize("now", NOWS)
def test_other_sessions_are_after_today_in_paris(sessions, now):
    slots = demo_schedule(sessions, now)
    assert len(slots) == len(sessions)
    today_paris = now.astimezone(PARIS).date()
    others = [slot for slot in slots if slot.session.code not in AROUND_NOW]
    for session, start, end in others:
        assert start.astimezone(PARIS).date() > today_paris, session.code
        assert start < end, session.code
    # the first day of the Games is tomorrow
    first = min(start.astimezone(PARIS).date() for _, start, _ in others)
    assert first == today_paris + timedelta(days=1)


@pytest.mark.parametrize("now", NOWS)
def test_results_are_aware_utc(sessions, now):
    for _, start, end in demo_schedule(sessions, now):
        assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
        assert start.tzinfo is timezone.utc and end.tzinfo is timezone.utc


@pytest.mark.parametrize("now", NOWS)
def test_order_and_day_spacing_are_kept(sessions, now):
    slots = [slot for slot in demo_schedule(sessions, now) if slot.session.code not in AROUND_NOW]
    real = sorted(
        (s for s in sessions if s.code not in AROUND_NOW),
        key=lambda s: (datetime.combine(s.date, s.start, tzinfo=s.timezone), s.code),
    )
    assert [slot.session.code for slot in slots] == [s.code for s in real]
    starts = [slot.start for slot in slots]
    assert starts == sorted(starts)
    first_real, first_demo = real[0].date, slots[0].start.astimezone(PARIS).date()
    for slot in slots:
        s = slot.session
        assert slot.start.astimezone(s.timezone).date() - first_demo == s.date - first_real, s.code


@pytest.mark.parametrize("now", NOWS)
def test_times_of_day_are_kept_in_paris_time(sessions, now):
    by_code = {slot.session.code: slot for slot in demo_schedule(sessions, now)}
    # One session checked by hand: the athletics evening of 10 August 2024.
    code = "ATH-0810-EVE"
    real = next(s for s in sessions if s.code == code)
    slot = by_code[code]
    assert slot.start.astimezone(PARIS).time() == real.start == time(19, 0)
    assert slot.end.astimezone(PARIS).time() == real.end == time(21, 18)
    for slot in by_code.values():
        s = slot.session
        if s.code not in AROUND_NOW:
            assert slot.start.astimezone(s.timezone).time() == s.start, s.code
            assert slot.end.astimezone(s.timezone).time() == s.end, s.code


def test_same_now_gives_the_same_schedule(sessions):
    now = NOWS[0]
    assert demo_schedule(sessions, now) == demo_schedule(list(sessions), now)
    assert demo_schedule(sessions, now) == demo_schedule(sessions, now.astimezone(PARIS))


def test_running_again_later_keeps_a_session_open_now(sessions):
    for hours in (0, 5, 30, 24 * 40):
        now = NOWS[0] + timedelta(hours=hours, minutes=7)
        slot = demo_schedule(sessions, now)[0]
        assert slot.session.code == DEMO_TODAY_CODE
        assert slot.start <= now < slot.end


def test_naive_now_is_refused(sessions):
    with pytest.raises(ValueError):
        demo_schedule(sessions, datetime(2025, 6, 12, 12, 0))


def test_without_the_demo_session_everything_is_after_today(sessions):
    now = NOWS[0]
    rest = [s for s in sessions if s.code not in AROUND_NOW]
    slots = demo_schedule(rest, now)
    assert len(slots) == len(rest)
    assert all(start.astimezone(PARIS).date() > now.astimezone(PARIS).date() for _, start, _ in slots)


def test_teahupoo_times_are_tahiti_time(sessions):
    # Not in the shipped data, but the README says Teahupo'o times are in
    # Tahiti time (UTC-10): finals 5 Aug 12:18-15:32 local.
    base = next(s for s in sessions if s.code != DEMO_TODAY_CODE)
    surf = replace(
        base,
        code="SRF-0805-AFT",
        sport_slug="surfing",
        venue_slug="teahupoo",
        date=date(2024, 8, 5),
        start=time(12, 18),
        end=time(15, 32),
    )
    now = datetime(2025, 6, 12, 10, 0, tzinfo=timezone.utc)
    by_code = {slot.session.code: slot for slot in demo_schedule(sessions + [surf], now)}
    slot = by_code["SRF-0805-AFT"]
    tahiti = ZoneInfo("Pacific/Tahiti")
    assert slot.start.astimezone(tahiti).time() == time(12, 18)
    assert slot.end.astimezone(tahiti).time() == time(15, 32)
    assert slot.start.astimezone(PARIS).time() == time(0, 18)  # CEST = Tahiti + 12 h


def test_session_past_midnight_ends_next_day(sessions):
    base = next(s for s in sessions if s.code != DEMO_TODAY_CODE)
    late = replace(base, code="LATE", start=time(22, 30), end=time(0, 30))
    slot = next(x for x in demo_schedule([late], NOWS[0]) if x.session.code == "LATE")
    assert slot.end - slot.start == timedelta(hours=2)
