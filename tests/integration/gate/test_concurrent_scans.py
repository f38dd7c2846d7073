"""Ten gates scan the same ticket at the same moment: exactly one admits it."""
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from olympix.gate.scan import ScanConfig, scan
from olympix.models import Ticket, TicketHistory
from olympix.models.gate import Gate, Scan

pytestmark = pytest.mark.mariadb


def test_ten_threads_one_admit(world, db_engine, app):
    ticket_id, _serial, code = world.mint()
    config = ScanConfig.from_settings(app.registry.settings)
    barrier = threading.Barrier(10)
    results, errors = [], []

    def worker(gate_key):
        try:
            with Session(db_engine, expire_on_commit=False) as session:  # its own connection
                gate = session.get(Gate, world.gate_ids[gate_key])
                session.commit()  # the scan starts a transaction of its own
                barrier.wait(timeout=10)
                result = scan(session, config, code, gate=gate, agent_id=world.ids["agent"], now=world.now)
                session.commit()
                results.append(result.reason)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=("a1" if i % 2 else "a2",)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(results) == ["admitted"] + ["already_scanned"] * 9
    with Session(db_engine) as session:
        assert session.get(Ticket, ticket_id).state == "scanned"
        assert session.scalar(select(func.count()).select_from(TicketHistory)
                              .where(TicketHistory.ticket_id == ticket_id)) == 1
        verdicts = session.execute(select(Scan.verdict, func.count()).where(Scan.ticket_id == ticket_id)
                                   .group_by(Scan.verdict)).all()
        assert dict(verdicts) == {"admit": 1, "deny": 9}
