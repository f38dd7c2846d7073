"""Backup fixtures: databases to fill, sell on, snapshot and restore."""
import datetime
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from olympix.models import Event, Sport, Venue

CAPACITY = 100000


def ini_for(tmp_path, url, name="ops.ini"):
    """An ini for `olympix` commands on ``url`` (development keys)."""
    path = tmp_path / name
    path.write_text("\n".join([
        "[app:main]", "use = egg:olympix", f"sqlalchemy.url = {url}",
        "olympix.session_secret = insecure-dev-test-session-secret-0123456789",
        "olympix.code_pepper = insecure-dev-test-pepper",
        "olympix.data_keys = A:aW5zZWN1cmUtZGV2LWRhdGEta2V5LUEtMDAwMDAwMDA=",
        "olympix.ticket_keys = A:aW5zZWN1cmUtZGV2LXRpY2tldC1rZXktQS0wMDAwMDA=",
    ]) + "\n")
    return str(path)


class Shop:
    """An event and a way to sell its seats: each sale = one seat taken + one row written, one transaction.

    The invariant ``capacity - seats_left == count(visits)`` holds in every
    committed state, so a snapshot that mixed two moments would break it.
    """

    def __init__(self, url):
        self.engine = create_engine(url)
        with Session(self.engine) as s, s.begin():
            start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
            event = Event(slug="backup-final", code="BCK-1", title_fr="Finale", title_en="Final",
                          sport=Sport(slug="backup", name_fr="Sauvegarde", name_en="Backup", icon="x.svg"),
                          venue=Venue(slug="backup-hall", name_fr="Salle", name_en="Hall", city="Paris"),
                          starts_at=start, ends_at=start + datetime.timedelta(hours=2), capacity=CAPACITY,
                          seats_left=CAPACITY, state="published")
            s.add(event)
            s.flush()
            self.event_id = event.id
        self.sold = 0

    def sell(self, count):
        for _ in range(count):
            with self.engine.begin() as conn:
                conn.execute(text("UPDATE events SET seats_left = seats_left - 1 WHERE id = :id"), {"id": self.event_id})
                conn.execute(text("INSERT INTO visits (day, visitor) VALUES (:d, :v)"),
                             {"d": datetime.date.today(), "v": f"buyer-{self.sold}"})
            self.sold += 1

    def selling(self, seconds=30, limit=5000):
        """A background seller (bounded in count and time); stop() it."""
        stop = threading.Event()

        def run():
            deadline = time.monotonic() + seconds
            while not stop.is_set() and time.monotonic() < deadline and self.sold < limit:
                self.sell(1)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()

        def halt():
            stop.set()
            thread.join(30)

        return halt

    def close(self):
        self.engine.dispose()


def consistent(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            left = conn.execute(text("SELECT seats_left FROM events WHERE slug = 'backup-final'")).scalar()
            visits = conn.execute(text("SELECT count(*) FROM visits")).scalar()
    finally:
        engine.dispose()
    return CAPACITY - left == visits, (CAPACITY - left, visits)


def digests(url):
    from olympix.backup.manifest import table_digests

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return table_digests(conn)
    finally:
        engine.dispose()


@pytest.fixture
def olympix_cli(capsys):
    """Run an `olympix` command in-process: (exit status, stdout, stderr)."""
    from olympix.scripts.cli import main

    def run(*argv):
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    return run
