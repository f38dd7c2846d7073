"""A scripted fraud session at the gates, then the managers' anomalies (issue #12.4).

Each kind of the gate is provoked once; the figures count each once per day
and per venue, and each entry names venue, gate, agent, ticket and holder,
with a sentence saying what it probably means.
"""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from olympix.models import Ticket
from olympix.services.clock import paris_day
from olympix.services.figures import TABLES
from tests.functional.gate.test_api import api  # noqa: F401 (the fixture)
from olympix.services import figures
from tests.functional.helpers import csrf_of, in_request, sign_in

SCAN_KINDS = ("forged", "retired_key", "repeated", "wrong_place", "screenshot", "printed_phone_only", "deactivated",
              "transferred", "double_offline")


def read_csv(client, table, day):
    response = client.get(f"/backoffice/figures?from={day}&to={day}&format=csv&table={table}")
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0] == [column.key for column in TABLES[table].columns]
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def fraud_session(api, world, clock, testapp):
    """One scan of each kind at gate A of the stadium (plus the admits they need)."""
    now = clock.now()
    assert api("OXA" + "Q" * 26)["reason"] == "unknown_or_forged"
    assert api("OXZ" + "Q" * 26)["reason"] == "retired_key"
    _id, _serial, used = world.mint()
    api(used)
    assert api(used)["reason"] == "already_scanned"
    assert api(world.mint(event="elsewhere")[2])["reason"] == "wrong_event_or_day"
    live_id = world.mint()[0]
    assert api(world.rotating(live_id, now - timedelta(minutes=3)))["reason"] == "stale_code"
    world.set_event("other_today", phone_only=True)
    assert api(world.mint(event="other_today")[2])["reason"] == "printed_phone_only"
    assert api(world.mint(state="deactivated")[2])["reason"] == "deactivated"
    old_id, _serial, old_code = world.mint(state="deactivated")
    with Session(world.engine) as s, s.begin():
        s.get(Ticket, old_id).state_reason = "transfer"
    assert api(old_code)["reason"] == "deactivated"
    twice_id, _serial, twice = world.mint(attendee=("Jean", "Copie"))
    api(twice)  # admitted online; another gate had let it in offline too, and syncs now
    token = csrf_of(testapp)
    synced = testapp.post_json("/api/gate/sync", {"gate": world.gates["a2"], "scans": [
        {"nonce": "offline-scan-0001", "code": twice, "at": (now + timedelta(seconds=5)).isoformat(),
         "verdict": "admit", "reason": "admitted"}]}, headers={"X-CSRF-Token": token}).json
    assert synced["results"][0]["reason"] == "double_offline"


@pytest.fixture
def manager(testapp, make_user):
    make_user("manager@example.test", role="manager", first_name="Mia", last_name="Manager")

    def as_manager():
        testapp.reset()  # a new browser: the agent's session is left behind
        sign_in(testapp, "manager@example.test")
        return testapp

    return as_manager


def test_each_kind_is_counted_once_and_explained(api, world, clock, testapp, manager):
    fraud_session(api, world, clock, testapp)
    client = manager()
    day = paris_day(clock.now()).isoformat()
    (per_day,) = read_csv(client, "anomalies_per_day", day)
    assert {kind: per_day[kind] for kind in SCAN_KINDS} == {kind: "1" for kind in SCAN_KINDS}
    assert per_day["total"] == str(len(SCAN_KINDS))
    (stadium,) = read_csv(client, "anomalies_per_venue", day)
    assert stadium["venue"] == "Stade de France" and stadium["total"] == str(len(SCAN_KINDS))
    assert all(stadium[kind] == "1" for kind in SCAN_KINDS)
    details = read_csv(client, "anomalies", day)
    assert len(details) == len(SCAN_KINDS)
    for row in details:
        assert "Stade de France" in row["details"] and "Karim Diallo" in row["details"], row
        assert row["explanation"].endswith("."), row
    explained = {row["kind"]: row for row in details}
    assert len(explained) == len(SCAN_KINDS)  # each kind has its own name
    screenshot = explained["Code téléphone périmé (capture d'écran)"]
    assert "capture d'écran" in screenshot["explanation"] and "porteur Marie Dupont" in screenshot["details"]
    double = explained["Double admission hors ligne"]
    assert "Porte B" in double["details"] and "admis d'abord" in double["details"] and "Porte A" in double["details"]
    assert "Jean Copie" in double["details"]
    transferred = explained["Ancien code d'un billet cédé"]
    assert "Seul le nouveau billet" in transferred["explanation"]
    page = client.get(f"/backoffice/figures?from={day}&to={day}")
    assert "Anomalies aux portes, par site" in page.text and "Ce que cela signifie sans doute" in page.text


def test_a_double_admission_alerts_the_back_office_home(api, world, clock, testapp, manager):
    fraud_session(api, world, clock, testapp)
    home = manager().get("/backoffice/")
    alert = home.html.select_one(".anomaly-alerts")
    assert alert is not None and "Double admission hors ligne" in alert.text
    assert "Code téléphone périmé" not in alert.text  # 1 of 5: under its threshold


def test_no_alert_on_a_quiet_day(testapp, manager):
    assert manager().get("/backoffice/").html.select_one(".anomaly-alerts") is None


def test_managers_get_one_e_mail_per_kind_over_its_threshold(api, world, clock, testapp, manager, app, mailbox):
    fraud_session(api, world, clock, testapp)
    mailbox.clear()
    assert in_request(app, figures.send_alerts) == 1  # the double admission only
    (message,) = mailbox.to("manager@example.test")
    assert "Double admission hors ligne" in message["Subject"]
    assert "Deux portes ont admis" in mailbox.text(message)
    assert in_request(app, figures.send_alerts) == 0  # once per kind and day
    assert len(mailbox.to("manager@example.test")) == 1
