"""A session's start reads the reader's way, in its venue's zone, with the zone named."""
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from olympix.formatting import Formatter
from olympix.i18n import make_localizers

LOCALIZERS = make_localizers()
STARTS = datetime(2026, 8, 5, 0, 30, tzinfo=timezone.utc)  # 02:30 on 5 August in Paris, 14:30 on 4 August in Tahiti


def session(tz):
    return SimpleNamespace(starts_at=STARTS, venue=SimpleNamespace(tz=tz))


@pytest.mark.parametrize("lang, tz, expected", [
    ("fr", "Europe/Paris", "mercredi 5 août 2026 à 02:30 (heure de Paris)"),
    ("en", "Europe/Paris", "Wednesday, August 5, 2026 at 2:30 AM (Paris time)"),
    ("fr", "Pacific/Tahiti", "mardi 4 août 2026 à 14:30 (heure de Tahiti)"),
    ("en", "Pacific/Tahiti", "Tuesday, August 4, 2026 at 2:30 PM (Tahiti time)"),
    ("en", None, "Wednesday, August 5, 2026 at 2:30 AM (Paris time)"),  # a venue naming no zone
])
def test_starts(lang, tz, expected):
    text = Formatter(LOCALIZERS[lang]).starts(session(tz))
    assert text.replace("\u202f", " ") == expected
