"""What the agent reads of a scan: words, and times in the gate's venue's zone."""
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from olympix.formatting import Formatter
from olympix.gate.scan import Reason, ScannedEvent, ScannedTicket, ScanResult
from olympix.gate.verdicts import describe, reason_text
from olympix.i18n import make_localizers
from olympix.models import TicketState
from olympix.models.gate import Verdict

LOCALIZERS = make_localizers()
AT = datetime(2026, 8, 5, 0, 30, tzinfo=timezone.utc)  # 14:30 on 4 August in Tahiti, 02:30 on 5 August in Paris


@pytest.fixture(params=["fr", "en"])
def fmt(request):
    return Formatter(LOCALIZERS[request.param])


def gate(tz):
    return SimpleNamespace(code="teahupoo-a", name="Porte A", venue=SimpleNamespace(tz=tz))


def result(tz="Pacific/Tahiti", **kw):
    ticket = ScannedTicket(1, 123456, TicketState.SCANNED, AT, "Porte A", "Marie", "Dupont")
    event = ScannedEvent(7, "SRF-0805", "Surf — finales", "Surfing — finals", AT, AT, 3, "Teahupo'o",
                         "Teahupo'o")
    values = dict(verdict=Verdict.DENY, reason=Reason.ALREADY_SCANNED, at=AT, gate=gate(tz), scan_id=9,
                  ticket=ticket, event=event, holder_name="Marie Dupont", state=TicketState.SCANNED,
                  previous_at=AT.replace(minute=5), previous_gate="Porte A")
    values.update(kw)
    return ScanResult(**values)


def test_already_scanned_says_when_in_the_venues_zone(fmt):
    text = reason_text(result(), fmt)
    assert "Porte A" in text
    assert ("14:05" if fmt.locale == "fr" else "2:05\u202fPM") in text  # Tahiti, not Paris (02:05)


def test_already_scanned_another_day_gives_the_date():
    fmt = Formatter(LOCALIZERS["fr"])
    earlier = datetime(2026, 8, 3, 20, 0, tzinfo=timezone.utc)  # 3 August, 10:00 in Tahiti
    assert reason_text(result(previous_at=earlier), fmt) == "Déjà scanné le 03/08/2026 à 10:00 (Porte A)."


def test_describe_keeps_the_devices_contract():
    data = describe(result(tz="Europe/Paris"), Formatter(LOCALIZERS["fr"]))
    assert set(data) == {"verdict", "verdict_text", "reason", "reason_text", "scan", "ticket", "holder", "buyer",
                         "event", "previous"}
    assert (data["verdict"], data["verdict_text"], data["reason"]) == ("deny", "Refus", "already_scanned")
    assert data["ticket"] == {"serial": 123456, "state": "scanned", "state_text": "scanné",
                              "state_line": "État du billet : scanné"}
    assert data["event"]["starts_local"] == "05/08 02:30"  # Paris
    assert data["scan"] == {"id": 9, "at": AT.isoformat(), "gate": "teahupoo-a", "gate_name": "Porte A"}
    assert describe(result(), Formatter(LOCALIZERS["fr"]))["event"]["starts_local"] == "04/08 14:30"  # Tahiti


def test_the_start_is_written_the_agents_way():
    english = describe(result(tz="Europe/Paris"), Formatter(LOCALIZERS["en"]))["event"]["starts_local"]
    assert english.replace("\u202f", " ") == "5 Aug 2:30 AM"


def test_unreadable_has_no_ticket(fmt):
    data = describe(result(reason=Reason.UNREADABLE, ticket=None, event=None, previous_at=None), fmt)
    assert data["ticket"] is data["holder"] is data["event"] is None and data["reason_text"]
