"""Time, injectable: tests move a FakeClock instead of sleeping."""
from datetime import datetime, timedelta, timezone

from zope.interface import implementer

from .interfaces import IClock


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
