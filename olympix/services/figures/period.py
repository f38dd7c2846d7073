"""The period of the figures (Europe/Paris days) and the SQL helpers every table shares.

Per-day figures are grouped by the UTC hour of their timestamp
(``hour_bucket``, the same on MariaDB and SQLite) and the hours are then put
into Paris days in Python: Paris is always a whole number of hours from UTC,
so an hour never straddles two Paris days, and daylight-saving changes
inside the period are handled by ``zoneinfo``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, func

from ...i18n import _
from ..clock import now, paris_day, paris_midnight

DEFAULT_DAYS = 14
MAX_DAYS = 400


# --- the period ---------------------------------------------------------

@dataclass(frozen=True)
class Period:
    first: date  # Paris days, both included
    last: date

    @property
    def start(self):
        """The first instant of the period, aware UTC."""
        return paris_midnight(self.first)

    @property
    def end(self):
        """The first instant after the period, aware UTC."""
        return paris_midnight(self.last + timedelta(days=1))

    @property
    def days(self):
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def default_period(request):
    today = paris_day(now(request))
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)


def parse_period(request, first, last):
    """The period asked in the query string, and an error message or None."""
    default = default_period(request)
    if not first and not last:
        return default, None
    try:
        first_day = date.fromisoformat(first) if first else None
        last_day = date.fromisoformat(last) if last else None
    except (TypeError, ValueError):
        return default, _("Dates are written YYYY-MM-DD: showing the last 14 days.")
    last_day = last_day or (first_day + timedelta(days=DEFAULT_DAYS - 1))
    first_day = first_day or (last_day - timedelta(days=DEFAULT_DAYS - 1))
    if first_day > last_day:
        return default, _("The period ends before it starts: showing the last 14 days.")
    if (last_day - first_day).days >= MAX_DAYS:
        return Period(last_day - timedelta(days=MAX_DAYS - 1), last_day), \
            _("A period is at most 400 days: showing the last 400 days of it.")
    return Period(first_day, last_day), None


# --- SQL helpers ----------------------------------------------------------

def hour_bucket(dbsession, column):
    """``YYYY-MM-DD HH`` of a UTC timestamp column, on MariaDB and SQLite."""
    if dbsession.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H", column)
    return func.date_format(column, "%Y-%m-%d %H")


def minute_bucket(dbsession, column):
    """``YYYY-MM-DD HH:MM`` of a UTC timestamp column, on MariaDB and SQLite."""
    if dbsession.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H:%M", column)
    return func.date_format(column, "%Y-%m-%d %H:%i")


def bucket_day(bucket):
    """The Paris day of a ``YYYY-MM-DD HH`` UTC bucket."""
    return paris_day(datetime.strptime(bucket, "%Y-%m-%d %H").replace(tzinfo=timezone.utc))


def per_day(period, rows, keys):
    """Sum (bucket, k1, k2…) rows into one dict per Paris day of the period."""
    days = {day: dict({k: 0 for k in keys}, day=day) for day in period.days}
    for row in rows:
        day = bucket_day(row[0])
        if day in days:
            for key, value in zip(keys, row[1:]):
                days[day][key] += int(value or 0)
    return list(days.values())


def in_period(column, period):
    return and_(column >= period.start, column < period.end)


def lang_of(request):
    return "fr" if getattr(request, "locale_name", "fr") == "fr" else "en"


def euros(cents):
    return (cents or 0) / 100
