"""Time, injectable: tests move a FakeClock instead of sleeping."""
from datetime import datetime, time, timedelta, timezone

from zope.interface import implementer

from ..i18n import PARIS
from ..interfaces import IClock, shared_service


def now(request):
    """The current aware UTC time, from the clock service of this application (found once: ``shared_service``)."""
    return shared_service(request, IClock).now()


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
