"""Time, injectable: tests move a FakeClock instead of sleeping."""
from datetime import datetime, time, timedelta, timezone

from zope.interface import implementer

from ..i18n import PARIS
from ..interfaces import IClock


def now(request):
    """The current aware UTC time, from the clock service of this application.

    The service is looked up once a request (a search page asks the time for
    every card: the lookup cost more than the answer).
    """
    clock = request.__dict__.get("_olympix_clock")
    if clock is None:
        clock = request.__dict__["_olympix_clock"] = request.find_service(IClock)
    return clock.now()


def paris_day(when):
    """The Games' calendar day (Europe/Paris) that an aware datetime falls in."""
    return when.astimezone(PARIS).date()


def paris_midnight(day):
    """The aware UTC instant at which a Paris calendar day starts."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(timezone.utc)


@implementer(IClock)
class SystemClock:
    @classmethod
    def from_settings(cls, settings):
        return cls()

    def now(self):
        return datetime.now(timezone.utc)


@implementer(IClock)
class FakeClock:
    """A clock that only moves when told to; starts at the real time."""

    def __init__(self, start=None):
        self.current = start or datetime.now(timezone.utc).replace(microsecond=0)

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def now(self):
        return self.current

    def advance(self, **delta):
        self.current += timedelta(**delta)

    def set(self, when):
        self.current = when
