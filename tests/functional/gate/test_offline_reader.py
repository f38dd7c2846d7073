"""``olympix gate-reader --offline-bundle FILE``: judging from the bundle when the database is out."""
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from olympix.gate import offline, sync, tokens
from olympix.gate.offline_reader import OfflineReader
from olympix.models import Ticket, User
from olympix.models.gate import Gate, Scan
from olympix.scripts.gate import GateReader
from tests.functional.helpers import in_request


@pytest.fixture
def device(app, world, make_user):
    """(token, token id, agent id) of a device at gate A."""
    agent_id = make_user("karim@example.test", role="agent", first_name="Karim", last_name="Diallo")

    def issue(request):
        gate = request.dbsession.get(Gate, world.gate_ids["a1"])
        row, token = tokens.issue_token(request, gate, request.dbsession.get(User, agent_id), "reader")
        request.dbsession.flush()
        return token, row.id

    token, token_id = in_request(app, issue)
    return token, token_id, agent_id


def test_the_reader_judges_offline_then_syncs(app, world, device, tmp_path, dbsession, monkeypatch):
    token, token_id, agent_id = device
    ticket_id, serial, code = world.mint(attendee=("Marie", "Dupont"))
    path = str(tmp_path / "gate-a.bundle")
    reader_offline = OfflineReader(app.registry, world.gates["a1"], agent_id, token_id, token, path)
    reader_offline.refresh()
    with open(path) as fh:
        sealed = json.load(fh)
    assert str(serial) in offline.open_sealed(sealed, offline.device_key(token))["tickets"]
    lines = []
    reader = GateReader(app.registry, world.gates["a1"], agent_id, token_id, out=lines.append,
                        offline=OfflineReader(app.registry, world.gates["a1"], agent_id, token_id, token, path))

    def database_out(*args, **kw):
        raise OperationalError("SELECT 1", {}, Exception("Can't connect to MySQL server"))

    monkeypatch.setattr(reader, "scan_online", database_out)
    answer = reader.on_code(world.gates["a1"], code)
    assert answer["verdict"] == "admit" and "hors ligne" in lines[-1] and "Marie Dupont" in lines[-1]
    assert reader.on_code(world.gates["a1"], code)["reason"] == "already_scanned"
    assert len(reader.offline.journal()) == 2
    dbsession.rollback()
    assert dbsession.get(Ticket, ticket_id).state == "paid"  # nothing reached the database

    monkeypatch.undo()
    other_code = world.mint()[2]
    data = reader.on_code(world.gates["a1"], other_code)  # the database is back: online, then the journal
    assert data["verdict"] == "admit"
    assert any(line.startswith("synced 2 offline scans") for line in lines)
    assert reader.offline.journal() == []
    dbsession.rollback()
    assert dbsession.get(Ticket, ticket_id).state == "scanned"
    rows = dbsession.scalars(select(Scan).where(Scan.ticket_id == ticket_id, Scan.offline.is_(True))).all()
    assert sorted((s.verdict, s.reason) for s in rows) == [("admit", "admitted"), ("deny", "already_scanned")]
    assert {s.device_token_id for s in rows} == {token_id}


def test_a_wrong_token_cannot_open_the_file(app, world, device, tmp_path):
    token, token_id, agent_id = device
    path = str(tmp_path / "gate-a.bundle")
    OfflineReader(app.registry, world.gates["a1"], agent_id, token_id, token, path).refresh()
    with pytest.raises(offline.BundleError):
        OfflineReader(app.registry, world.gates["a1"], agent_id, token_id, "oxg_other", path).load()


def test_the_command_needs_a_token_for_an_offline_bundle(ini, world):
    result = subprocess.run([sys.executable, "-m", "olympix.scripts.cli", "gate-reader", ini, "--gate",
                             world.gates["a1"], "--offline-bundle", "/tmp/never.bundle"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--token" in result.stderr


def test_the_reader_keeps_a_refused_entry_apart_and_syncs_the_rest(app, world, device, tmp_path, clock,
                                                                   dbsession):
    token, token_id, agent_id = device
    _ticket_id, _serial, code = world.mint()
    path = str(tmp_path / "gate-a.bundle")
    reader = OfflineReader(app.registry, world.gates["a1"], agent_id, token_id, token, path)
    reader.refresh()
    reader.judge(code, at=clock.now())
    reader.judge("garbage", at=clock.now() - timedelta(days=8))  # a reader offline longer than the sync takes
    answer = reader.sync()
    assert (answer["applied"], len(answer["refused"])) == (1, 1)
    assert reader.journal() == []  # not retried at every scan
    with open(path + ".journal.refused") as fh:
        [kept] = [json.loads(line) for line in fh]
    assert kept["code"] == "garbage" and "trop éloignée" in kept["refused"]
    dbsession.rollback()
    assert dbsession.scalar(select(Scan.verdict).where(Scan.offline.is_(True))) == "admit"


@pytest.fixture
def long_journal(app, world, device, tmp_path, clock, monkeypatch):
    """A reader with 7 scans judged offline, uploads taking 3 at most (500 in production)."""
    token, token_id, agent_id = device
    monkeypatch.setattr(sync, "MAX_SCANS", 3)
    reader = OfflineReader(app.registry, world.gates["a1"], agent_id, token_id, token, str(tmp_path / "gate-a.bundle"))
    reader.refresh()
    for n in range(7):
        reader.judge(f"not-a-ticket-{n}", at=clock.now())
    return reader


def test_a_journal_longer_than_one_upload_goes_up_in_batches(long_journal, dbsession):
    """A reader offline for a whole entry wave holds thousands of scans; the sync takes 500 at a time."""
    reader = long_journal
    answer = reader.sync()
    assert (answer["applied"], answer["replayed"], answer["refused"]) == (7, 0, [])
    assert reader.journal() == []
    dbsession.rollback()
    assert dbsession.scalar(select(func.count()).select_from(Scan).where(Scan.offline.is_(True))) == 7


def test_a_sync_cut_off_keeps_only_what_did_not_go_up(long_journal, dbsession, monkeypatch):
    reader = long_journal
    uploads = []
    real = reader._in_request

    def database_lost_after_one_batch(fn):
        if uploads:
            raise OperationalError("INSERT", {}, Exception("Lost connection to MySQL server"))
        uploads.append(1)
        return real(fn)

    monkeypatch.setattr(reader, "_in_request", database_lost_after_one_batch)
    with pytest.raises(OperationalError):
        reader.sync()
    assert [e["code"] for e in reader.journal()] == [f"not-a-ticket-{n}" for n in range(3, 7)]
    monkeypatch.setattr(reader, "_in_request", real)
    assert reader.sync()["applied"] == 4
    dbsession.rollback()
    assert dbsession.scalar(select(func.count()).select_from(Scan).where(Scan.offline.is_(True))) == 7


@pytest.fixture
def serial_reader(app, world, device, tmp_path):
    """(GateReader with an offline bundle, its OfflineReader, the lines it prints), the bundle made."""
    token, token_id, agent_id = device
    lines = []
    offline_reader = OfflineReader(app.registry, world.gates["a1"], agent_id, token_id, token,
                                   str(tmp_path / "gate-a.bundle"))
    reader = GateReader(app.registry, world.gates["a1"], agent_id, token_id, out=lines.append,
                        offline=offline_reader)
    offline_reader.refresh()
    return reader, offline_reader, lines


def test_the_reader_says_how_many_the_sync_refused(serial_reader, clock):
    reader, offline_reader, lines = serial_reader
    path = offline_reader.path
    offline_reader.judge("garbage", at=clock.now())
    offline_reader.judge("garbage", at=clock.now() - timedelta(days=8))
    reader.sync_offline()
    assert lines[-1] == f"synced 1 offline scans (0 already there); 1 refused, kept in {path}.journal.refused"


def test_a_torn_journal_line_is_set_apart_and_the_reader_goes_on(app, world, device, tmp_path, clock, dbsession,
                                                                  monkeypatch):
    """A power cut in the middle of an append leaves half a line: judging, syncing and the bundle go on."""
    token, token_id, agent_id = device
    code = world.mint()[2]
    path = str(tmp_path / "gate-a.bundle")
    reader = OfflineReader(app.registry, world.gates["a1"], agent_id, token_id, token, path)
    reader.refresh()
    reader.judge(code, at=clock.now())
    with open(path + ".journal", "a") as fh:
        fh.write('{"nonce": "abcdefgh1234", "code": "X')
    assert reader.judge("not-a-ticket", at=clock.now())["verdict"] == "deny"
    assert [e["code"] for e in reader.journal()] == [code, "not-a-ticket"]
    assert reader.sync()["applied"] == 2
    with open(path + ".journal.refused") as fh:
        [kept] = [json.loads(line) for line in fh]
    assert kept["line"].startswith('{"nonce": "abcdefgh1234"') and "unreadable" in kept["refused"]


def test_a_closed_gate_keeps_its_journal_and_says_why(serial_reader, world, clock, dbsession):
    reader, offline_reader, lines = serial_reader
    offline_reader.judge("not-a-ticket", at=clock.now())
    dbsession.execute(update(Gate).where(Gate.id == world.gate_ids["a1"]).values(active=False))
    dbsession.commit()
    assert reader.sync_offline() is None
    assert "closed or unknown" in lines[-1] and len(offline_reader.journal()) == 1
