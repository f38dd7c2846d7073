"""A scripted fraud session at the gates, then the managers' anomalies (issue #12.4).

Each kind of the gate is provoked once; the figures count each once per day
and per venue, and each entry names venue, gate, agent, ticket and holder,
with a sentence saying what it probably means.
"""
import csv
import io
import secrets
from datetime import timedelta

import pytest
import webtest
from sqlalchemy.orm import Session

from olympix.gate import tokens
from olympix.models import Order, OrderLine, Ticket, User
from olympix.models.gate import Gate
from olympix.services.clock import paris_day
from olympix.services.figures import TABLES
from tests.functional.gate.test_api import api  # noqa: F401 (the fixture)
from olympix.services import figures
from tests.functional.helpers import csrf_of, in_request, sign_in

SCAN_KINDS = ("forged", "retired_key", "repeated", "wrong_place", "screenshot", "printed_phone_only", "deactivated",
              "transferred", "double_offline")
#: What bot_session adds: found in series of rows (services/figures/signals.py).
SERIES_KINDS = ("brute_force", "hold_burst", "purchase_burst", "repeated_lapses")
#: …of which these count at a venue (the gate's, the burst's event's).
SERIES_AT_VENUE = ("brute_force", "hold_burst", "purchase_burst")


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


def orders(world, email, count, *, address, start, step, state="held", paid=False):
    """``count`` orders of the account ``email`` (made if new) for today's stadium session, ``step`` apart."""
    with Session(world.engine) as s, s.begin():
        user = s.query(User).filter_by(email=email).one()
        line = s.get(OrderLine, world.ids["line"])
        for n in range(count):
            at = start + n * step
            order = Order(reference=f"B{secrets.token_hex(6)}", user_id=user.id, state=state, total_cents=4500,
                          created_at=at, held_until=at + timedelta(minutes=10), paid_at=at if paid else None,
                          client_address=address)
            order.lines.append(OrderLine(event_id=line.event_id, offer_id=line.offer_id, quantity=1, seats=1,
                                         unit_price_cents=4500))
            s.add(order)


def bot_session(app, world, clock, make_user, agent_id):
    """One of each series kind: a device trying codes, a holding bot, a buying bot, an account re-holding."""
    now = clock.now()

    def issue(request):
        gate = request.dbsession.get(Gate, world.gate_ids["a2"])
        return tokens.issue_token(request, gate, request.dbsession.get(User, agent_id), "lecteur-7")[1]

    device = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})
    token = in_request(app, issue)
    for n in range(10):  # codes typed at random: none even reads as a code
        answer = device.post_json("/api/gate/scans", {"code": f"OX{n:04d}"},
                                  headers={"Authorization": f"Bearer {token}"}).json
        assert answer["reason"] == "unreadable"
    make_user("holder-bot@example.test", first_name="Bot", last_name="Holder")
    orders(world, "holder-bot@example.test", 5, address="198.51.100.7", start=now, step=timedelta(minutes=2))
    for n in range(10):  # ten throwaway accounts, one purchase each, from one address
        make_user(f"buyer-bot-{n}@example.test")
        orders(world, f"buyer-bot-{n}@example.test", 1, address="203.0.113.9", start=now + n * timedelta(seconds=30),
               step=timedelta(0), state="paid", paid=True)
    make_user("reholder@example.test")
    orders(world, "reholder@example.test", 3, address="192.0.2.4", start=now, step=timedelta(seconds=20),
           state="expired")


@pytest.fixture
def manager(testapp, make_user):
    make_user("manager@example.test", role="manager", first_name="Mia", last_name="Manager")

    def as_manager():
        testapp.reset()  # a new browser: the agent's session is left behind
        sign_in(testapp, "manager@example.test")
        return testapp

    return as_manager


def test_each_kind_is_counted_once_and_explained(api, world, clock, testapp, manager, app, make_user):
    fraud_session(api, world, clock, testapp)
    bot_session(app, world, clock, make_user, api.agent_id)
    kinds = SCAN_KINDS + SERIES_KINDS
    client = manager()
    day = paris_day(clock.now()).isoformat()
    (per_day,) = read_csv(client, "anomalies_per_day", day)
    assert {kind: per_day[kind] for kind in kinds} == {kind: "1" for kind in kinds}
    assert per_day["total"] == str(len(kinds))
    (stadium,) = read_csv(client, "anomalies_per_venue", day)
    at_venue = SCAN_KINDS + SERIES_AT_VENUE
    assert stadium["venue"] == "Stade de France" and stadium["total"] == str(len(at_venue))
    assert all(stadium[kind] == "1" for kind in at_venue)
    details = read_csv(client, "anomalies", day)
    assert len(details) == len(kinds)
    explained = {row["kind"]: row for row in details}
    assert len(explained) == len(kinds)  # each kind has its own name
    for row in details:
        assert row["explanation"].endswith("."), row
    online = ("Rafale de réservations (robot)", "Rafale d'achats (robot)", "Réservations expirées à répétition")
    for row in details:
        if row["kind"] in online:
            continue  # no gate, no agent
        assert "Stade de France" in row["details"] and "Karim Diallo" in row["details"], row
    brute = explained["Refus en série sur un appareil (force brute)"]
    assert "Porte B" in brute["details"] and "appareil lecteur-7" in brute["details"]
    assert "10 scans refusés" in brute["details"] and "quelqu'un essaie des codes" in brute["explanation"]
    holds = explained["Rafale de réservations (robot)"]
    assert "compte holder-bot@example.test" in holds["details"] and "5 réservations" in holds["details"]
    assert "Stade de France" in holds["details"] and "robot" in holds["explanation"]
    purchases = explained["Rafale d'achats (robot)"]
    assert "adresse 203.0.113.9" in purchases["details"] and "10 comptes" in purchases["details"]
    assert "10 achats" in purchases["details"]
    lapses = explained["Réservations expirées à répétition"]
    assert "compte reholder@example.test" in lapses["details"] and "3 réservations expirées" in lapses["details"]
    screenshot = explained["Code téléphone périmé (capture d'écran)"]
    assert "capture d'écran" in screenshot["explanation"] and "porteur Marie Dupont" in screenshot["details"]
    double = explained["Double admission hors ligne"]
    assert "Porte B" in double["details"] and "admis d'abord" in double["details"] and "Porte A" in double["details"]
    assert "Jean Copie" in double["details"]
    transferred = explained["Ancien code d'un billet cédé"]
    assert "Seul le nouveau billet" in transferred["explanation"]
    page = client.get(f"/backoffice/figures?from={day}&to={day}")
    assert "Anomalies par site" in page.text and "Ce que cela signifie sans doute" in page.text


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


def test_a_brute_force_alerts_at_once_and_nothing_under_the_threshold(api, world, clock, testapp, manager, app,
                                                                      make_user):
    for n in range(9):  # nine refusals in a minute: a confused holder, not an attack
        assert api(f"OX{n:04d}")["reason"] == "unreadable"
    clock.advance(minutes=1)
    assert api("OX0100")["reason"] == "unreadable"  # the tenth, a minute later: another window
    client = manager()
    day = paris_day(clock.now()).isoformat()
    (per_day,) = read_csv(client, "anomalies_per_day", day)
    assert per_day["brute_force"] == "0"
    assert client.get("/backoffice/").html.select_one(".anomaly-alerts") is None
    bot_session(app, world, clock, make_user, api.agent_id)
    alert = manager().get("/backoffice/").html.select_one(".anomaly-alerts")
    assert alert is not None and "force brute" in alert.text
    assert "Rafale d'achats" not in alert.text  # 1 of 3: under its threshold
