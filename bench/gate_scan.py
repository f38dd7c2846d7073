"""Scans per second of the gate's scan service on MariaDB, against a baseline.

    .venv/bin/python bench/gate_scan.py [--scans 2000]

Makes a throw-away database, migrates it, mints tickets directly, then
times in the same run and on the same connection pool:

* baseline: one primary-key SELECT of a ticket, committed;
* deny:     the scan service on an already-scanned ticket (decode, one
            SELECT, proofs, scan row, commit);
* admit:    the scan service admitting a fresh ticket each time (decode,
            SELECT, proofs, conditional UPDATE, history row, scan row, commit).

Reports each as operations per second and as a ratio to the baseline, so
the figures compare across machines.
"""
import argparse
import os
import secrets
import sys
import time
from datetime import timedelta

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from olympix.gate.scan import ScanConfig, scan  # noqa: E402
from olympix.models import Ticket, User  # noqa: E402
from olympix.models.gate import Gate  # noqa: E402
from olympix.scripts.db import upgrade  # noqa: E402
from olympix.security import atrest  # noqa: E402
from olympix.security.keyring import Keyring  # noqa: E402
from olympix.services.clock import SystemClock  # noqa: E402
from tests.conftest import TEST_SETTINGS  # noqa: E402
from tests.factories.gate import build_world  # noqa: E402


def timed(n, fn):
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=int, default=2000)
    args = parser.parse_args()
    name = f"olympix_bench_{secrets.token_hex(3)}"
    server = create_engine("mysql+pymysql://root@127.0.0.1:3306/", isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    url = f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    try:
        upgrade(url)
        engine = create_engine(url)
        settings = {k + ".parsed": Keyring.from_setting(TEST_SETTINGS[k])
                    for k in ("olympix.data_keys", "olympix.ticket_keys")}
        atrest.install(settings["olympix.data_keys.parsed"])  # the holders' names are sealed
        now = SystemClock().now()
        with Session(engine) as s, s.begin():
            buyer = User(email="b@x.test", first_name="Ada", last_name="Lovelace", password_hash="x",
                         role="user", state="active", created_at=now,
                         user_key=atrest.seal(settings["olympix.data_keys.parsed"], atrest.new_key(), "user_key"))
            agent = User(email="a@x.test", first_name="Karim", last_name="Diallo", password_hash="x",
                         role="agent", state="active", created_at=now,
                         user_key=atrest.seal(settings["olympix.data_keys.parsed"], atrest.new_key(), "user_key"))
            s.add_all([buyer, agent])
            s.flush()
            buyer_id, agent_id = buyer.id, agent.id
        world = build_world(engine, settings, now - timedelta(minutes=5), buyer_id)
        n = args.scans
        minted = [world.mint() for _ in range(n + 1)]
        config = ScanConfig.from_settings(settings)
        session = Session(engine, expire_on_commit=False)
        gate = session.get(Gate, world.gate_ids["a1"])
        session.commit()
        ids = [m[0] for m in minted]

        def baseline(i):
            session.execute(select(Ticket).where(Ticket.id == ids[i % len(ids)])).scalar_one()
            session.commit()

        def admit(i):
            result = scan(session, config, minted[i][2], gate=gate, agent_id=agent_id, now=now)
            assert result.admitted, result.reason
            session.commit()

        def deny(i):
            result = scan(session, config, minted[0][2], gate=gate, agent_id=agent_id, now=now)
            assert result.reason == "already_scanned"
            session.commit()

        timed(200, baseline)  # warm the pool and the buffer pool
        figures = {"baseline (PK SELECT + commit)": timed(n, baseline),
                   "scan: admit": timed(n, admit),
                   "scan: deny already_scanned": timed(n, deny)}
        base = figures["baseline (PK SELECT + commit)"]
        print(f"{n} operations each, MariaDB at 127.0.0.1, one connection")
        for label, rate in figures.items():
            print(f"  {label:<32} {rate:8.0f}/s   ratio {rate / base:5.2f}")
        session.close()
        engine.dispose()
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))


if __name__ == "__main__":
    main()
