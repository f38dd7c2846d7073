"""The embedded SQLite (development, demos) under concurrent requests."""
import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

from olympix.models import get_engine


def test_concurrent_read_then_write_transactions_never_hit_a_locked_database(tmp_path):
    # Each worker reads, then writes, in one transaction, as a booking does.
    # Deferred SQLite transactions fail here with "database is locked" as
    # soon as another connection committed between the read and the write.
    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'dev.sqlite'}"})
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE seats (id INTEGER PRIMARY KEY, left_ INTEGER)"))
        conn.execute(text("INSERT INTO seats VALUES (1, 200)"))
    errors = []

    def worker():
        for _ in range(25):
            try:
                with Session(engine) as session, session.begin():
                    left = session.execute(text("SELECT left_ FROM seats WHERE id = 1")).scalar_one()
                    session.execute(text("UPDATE seats SET left_ = :n WHERE id = 1"), {"n": left - 1})
            except Exception as exc:  # collected, asserted below
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with engine.connect() as conn:
        # every read-then-write saw the previous commit: no lost update
        assert conn.execute(text("SELECT left_ FROM seats")).scalar_one() == 100
    engine.dispose()
