"""The serial reader path over a pseudo-terminal pair, into the scan service.

The pty's slave side plays the scanner's /dev/ttyACM0; the reader opens it
by name. Closing and reopening the pair plays an unplug / replug.
"""
import os
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from olympix.gate import serial_reader
from olympix.models import Ticket
from olympix.scripts.gate import GateReader

pytestmark = pytest.mark.mariadb


class Pty:
    def __init__(self):
        self.master, self.slave = os.openpty()
        self.name = os.ttyname(self.slave)

    def write(self, data):
        os.write(self.master, data)

    def close(self):
        os.close(self.master)
        os.close(self.slave)


def wait_for(predicate, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_codes_from_a_serial_scanner_are_scanned_and_survive_a_disconnect(world, app, db_engine):
    lines, statuses = [], []
    reader = GateReader(app.registry, world.gates["a1"], world.ids["agent"], out=lines.append)
    answers = []
    on_code = lambda gate, code: answers.append(reader.on_code(gate, code))  # noqa: E731
    pty = {"current": Pty()}
    stop = threading.Event()
    scanner = serial_reader.ScannerReader(
        "ignored", on_code=lambda code: on_code(world.gates["a1"], code),
        on_status=statuses.append, retry_interval=0.05,
        resolver=lambda: pty["current"].name if pty["current"] else None)
    thread = threading.Thread(target=scanner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: statuses == ["connected"])
        ticket_id, _serial, code = world.mint(attendee=("Marie", "Dupont"))
        pty["current"].write(code.encode() + b"\r\n")
        assert wait_for(lambda: len(answers) == 1)
        assert answers[0]["verdict"] == "admit" and lines[-1].startswith("ADMIT  Marie Dupont")
        pty["current"].write(b"\x00\xffgarbage\r")
        assert wait_for(lambda: len(answers) == 2)
        assert answers[1]["reason"] == "unreadable"

        # unplug (a partial line is lost), then plug back in
        pty["current"].write(code[:10].encode())
        old, pty["current"] = pty["current"], None
        old.close()
        assert wait_for(lambda: "disconnected" in statuses)
        pty["current"] = Pty()
        assert wait_for(lambda: statuses[-1] == "connected")
        pty["current"].write(code.encode() + b"\n")
        assert wait_for(lambda: len(answers) == 3)
        assert answers[2]["reason"] == "already_scanned" and lines[-1].startswith("DENY   Marie Dupont")
    finally:
        stop.set()
        thread.join(5)
        if pty["current"]:
            pty["current"].close()
    with Session(db_engine) as session:
        assert session.scalar(select(Ticket.state).where(Ticket.id == ticket_id)) == "scanned"


def test_auto_port_says_when_no_scanner_is_found():
    text = serial_reader.describe_ports(lambda: [])
    assert "No serial port found" in text
    assert serial_reader.find_scanner_port(lambda: []) is None
