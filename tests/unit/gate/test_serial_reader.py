"""Tests of the serial barcode-scanner reader.

The reader talks to a real pseudo-terminal pair: the slave side is the
"scanner port" pyserial opens, the test writes to the master side as the
scanner would.  Closing the master makes the slave's read fail (EIO), which is
what an unplugged USB scanner looks like.  Every wait is bounded.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import pytest
import serial

from olympix.gate import serial_reader as sr
from olympix.gate.serial_reader import (
    KNOWN_SCANNER_VIDS,
    LineSplitter,
    ScannerReader,
    clean_code,
    describe_ports,
    find_scanner_port,
    main_loop,
)

RETRY = 0.05
WAIT = 2.0  # upper bound of any single wait; tests finish far sooner


# -- helpers ---------------------------------------------------------------


def wait_for(predicate, timeout=WAIT, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Pty:
    """A pseudo-terminal pair; ``path`` is the port name to open."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self._master_open = True

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        if self._master_open:
            os.close(self.master)
            self._master_open = False

    def close(self) -> None:
        self.unplug()
        try:
            os.close(self.slave)
        except OSError:
            pass


@dataclass
class FakePort:
    device: str
    vid: int | None = None
    pid: int | None = None
    description: str = "n/a"


class Recorder:
    def __init__(self):
        self.codes: list[str] = []
        self.statuses: list[str] = []
        self.lock = threading.Lock()

    def on_code(self, code):
        with self.lock:
            self.codes.append(code)

    def on_status(self, status):
        with self.lock:
            self.statuses.append(status)


@pytest.fixture
def ptys():
    made: list[Pty] = []

    def make():
        p = Pty()
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


@pytest.fixture
def run_in_thread():
    """Start a reader's run() in a thread; stopped and joined at teardown."""
    started: list[tuple[threading.Thread, threading.Event]] = []

    def start(target):
        stop = threading.Event()
        t = threading.Thread(target=target, args=(stop,), daemon=True)
        t.start()
        started.append((t, stop))
        return stop

    yield start
    for t, stop in started:
        stop.set()
    for t, _ in started:
        t.join(timeout=2)
        assert not t.is_alive(), "reader thread did not stop"


# -- line splitting and decoding -------------------------------------------


def test_splitter_handles_cr_lf_crlf_and_split_reads():
    s = LineSplitter()
    out = []
    out += s.feed(b"CODE1\r")
    out += s.feed(b"\nCODE2\nCO")  # CRLF split across two reads: one line end
    out += s.feed(b"DE3\rCODE4\r\n")
    assert out == ["CODE1", "CODE2", "CODE3", "CODE4"]


def test_splitter_skips_empty_lines_and_blank_lines():
    s = LineSplitter()
    assert s.feed(b"\r\n\n\r\r   \t \nA\n") == ["A"]


def test_splitter_drops_overlong_line_until_its_end(caplog):
    s = LineSplitter(max_line=16)
    assert s.feed(b"X" * 10) == []
    assert s.feed(b"X" * 10) == []  # now 20 > 16: dropped
    assert "longer than 16 bytes" in caplog.text
    assert s.feed(b"YYYY\r\nOK\n") == ["OK"]  # rest of the long line discarded too


def test_line_of_exactly_max_bytes_is_kept():
    s = LineSplitter(max_line=8)
    assert s.feed(b"12345678\n123456789\nok\n") == ["12345678", "ok"]


def test_clean_code_drops_non_ascii_and_control_bytes():
    assert clean_code(b"AB\xffC\x00D\x1b") == "ABCD"
    assert clean_code(b"  TKT-1\t ") == "TKT-1"
    assert clean_code(b"\x80\x81\xfe\x00") == ""


def test_binary_junk_line_is_dropped_with_warning(caplog):
    s = LineSplitter()
    assert s.feed(b"\x00\xff\xfe\x80\x1b\r\nX\n") == ["X"]
    assert "no printable ASCII" in caplog.text


# -- finding the scanner ---------------------------------------------------


def test_known_vids_exclude_misattributed_ids():
    # 0x1D6B is the Linux Foundation (root hubs, gadget serial), 0x0DC4 is
    # inXtron / Macpower & Tytech, 0x0D87 is Dolby: none is a scanner maker.
    assert 0x1D6B not in KNOWN_SCANNER_VIDS
    assert 0x0DC4 not in KNOWN_SCANNER_VIDS
    assert 0x0D87 not in KNOWN_SCANNER_VIDS
    assert KNOWN_SCANNER_VIDS[0x05E0].startswith("Zebra")
    assert KNOWN_SCANNER_VIDS[0x0C2E].startswith("Honeywell")


def test_find_scanner_port_returns_first_known_vid():
    ports = [
        FakePort("/dev/ttyS0", None, None, "ttyS0"),
        FakePort("/dev/ttyUSB0", 0x0403, 0x6001, "FT232R USB UART"),
        FakePort("/dev/ttyACM1", 0x05F9, 0x4204, "Datalogic"),
        FakePort("/dev/ttyACM0", 0x0C2E, 0x0B61, "Honeywell Xenon"),
    ]
    found = find_scanner_port(lambda: ports)
    assert found is not None and found.device == "/dev/ttyACM0"  # stable order


def test_find_scanner_port_none_when_no_scanner():
    ports = [FakePort("/dev/ttyUSB0", 0x0403, 0x6001, "FT232R"), FakePort("/dev/ttyS0")]
    assert find_scanner_port(lambda: ports) is None
    assert find_scanner_port(lambda: []) is None


def test_find_scanner_port_survives_lister_error():
    def broken():
        raise OSError("no /dev")

    assert find_scanner_port(broken) is None
    assert "Could not list" in describe_ports(broken)


def test_describe_ports_lists_what_was_found():
    ports = [FakePort("/dev/ttyUSB0", 0x0403, 0x6001, "FT232R USB UART"), FakePort("/dev/ttyS0")]
    text = describe_ports(lambda: ports)
    assert "/dev/ttyUSB0" in text and "0403:6001" in text and "FT232R USB UART" in text
    assert "/dev/ttyS0" in text and "----:----" in text
    assert "--port" in text


def test_describe_ports_when_nothing_found():
    assert "No serial port found" in describe_ports(lambda: [])


def test_default_lister_is_pyserial(monkeypatch):
    monkeypatch.setattr(
        sr.serial.tools.list_ports, "comports", lambda: [FakePort("/dev/ttyACM7", 0x05E0, 0x1900)]
    )
    assert find_scanner_port().device == "/dev/ttyACM7"


# -- reading from a pseudo-terminal ----------------------------------------


def test_reads_codes_from_pty(ptys, run_in_thread):
    pty = ptys()
    rec = Recorder()
    reader = ScannerReader(pty.path, rec.on_code, rec.on_status, retry_interval=RETRY)
    run_in_thread(reader.run)
    assert wait_for(lambda: rec.statuses == ["connected"])

    pty.write(b"CODE1\r\n")
    pty.write(b"CODE2\n")
    pty.write(b"CODE3\r")
    pty.write(b"\x00\xff\xfe\x80\x1b\r\n")  # pure binary junk: dropped
    pty.write(b"\r\n")  # empty line: skipped
    pty.write(b"G" * 600 + b"\r\n")  # overlong line: dropped
    pty.write(b"END\n")
    assert wait_for(lambda: "END" in rec.codes)
    assert rec.codes == ["CODE1", "CODE2", "CODE3", "END"]


def test_mixed_junk_keeps_ascii_part(ptys, run_in_thread):
    pty = ptys()
    rec = Recorder()
    reader = ScannerReader(pty.path, rec.on_code, rec.on_status, retry_interval=RETRY)
    run_in_thread(reader.run)
    assert wait_for(lambda: rec.statuses == ["connected"])
    pty.write(b"OX\xffL\x00Y\r\n")
    assert wait_for(lambda: rec.codes == ["OXLY"])


def test_unplug_and_replug_on_a_new_port(ptys, run_in_thread):
    first = ptys()
    current = {"path": first.path}
    rec = Recorder()
    reader = ScannerReader(
        "ignored",
        rec.on_code,
        rec.on_status,
        retry_interval=RETRY,
        resolver=lambda: current["path"],
    )
    run_in_thread(reader.run)
    assert wait_for(lambda: rec.statuses == ["connected"])
    first.write(b"BEFORE\r\n")
    assert wait_for(lambda: rec.codes == ["BEFORE"])

    current["path"] = None  # the scanner is gone: nothing to resolve
    first.unplug()  # slave read now fails with EIO
    assert wait_for(lambda: rec.statuses == ["connected", "disconnected"])

    second = ptys()
    current["path"] = second.path
    assert wait_for(lambda: rec.statuses == ["connected", "disconnected", "connected"])
    assert reader.current_port == second.path
    second.write(b"AFTER\n")
    assert wait_for(lambda: rec.codes == ["BEFORE", "AFTER"])


def test_auto_port_re_resolves_by_vendor_id(ptys, run_in_thread):
    first = ptys()
    listed = {"ports": [FakePort(first.path, 0x05E0, 0x1900, "Zebra DS2208")]}
    rec = Recorder()
    reader = ScannerReader(
        "auto",
        rec.on_code,
        rec.on_status,
        retry_interval=RETRY,
        list_ports=lambda: listed["ports"],
    )
    run_in_thread(reader.run)
    assert wait_for(lambda: rec.statuses == ["connected"])
    first.write(b"ONE\r\n")
    assert wait_for(lambda: rec.codes == ["ONE"])

    listed["ports"] = [FakePort("/dev/ttyS0")]  # unplugged: only a plain port left
    first.unplug()
    assert wait_for(lambda: rec.statuses[-1:] == ["disconnected"])

    second = ptys()
    listed["ports"] = [FakePort("/dev/ttyS0"), FakePort(second.path, 0x0C2E, 0x0B61, "Xenon")]
    assert wait_for(lambda: rec.statuses == ["connected", "disconnected", "connected"])
    second.write(b"TWO\r")
    assert wait_for(lambda: rec.codes == ["ONE", "TWO"])


def test_no_scanner_at_start_reports_disconnected_once_and_does_not_spin(run_in_thread):
    calls = []
    rec = Recorder()

    def resolver():
        calls.append(time.monotonic())
        return None

    reader = ScannerReader("auto", rec.on_code, rec.on_status, retry_interval=RETRY, resolver=resolver)
    stop = run_in_thread(reader.run)
    time.sleep(0.3)
    stop.set()
    assert rec.statuses == ["disconnected"]
    # one attempt per retry interval, give or take scheduling: no busy loop
    assert 2 <= len(calls) <= 0.3 / RETRY + 2


def test_missing_device_path_is_retried(tmp_path, run_in_thread):
    rec = Recorder()
    reader = ScannerReader(str(tmp_path / "ttyACM9"), rec.on_code, rec.on_status, retry_interval=RETRY)
    stop = run_in_thread(reader.run)
    assert wait_for(lambda: rec.statuses == ["disconnected"])
    stop.set()


def test_callback_errors_do_not_stop_the_reader(ptys, run_in_thread, caplog):
    pty = ptys()
    got = []

    def on_code(code):
        if code == "BOOM":
            raise RuntimeError("display broke")
        got.append(code)

    def on_status(status):
        raise RuntimeError("status display broke")

    reader = ScannerReader(pty.path, on_code, on_status, retry_interval=RETRY)
    run_in_thread(reader.run)
    assert wait_for(lambda: reader.status == "connected")
    pty.write(b"BOOM\nFINE\n")
    assert wait_for(lambda: got == ["FINE"])
    assert "on_code callback failed" in caplog.text
    assert "on_status callback failed" in caplog.text


def test_loop_url_and_flaky_opener(run_in_thread):
    """An opener that fails twice (scanner not yet enumerated), then works."""
    attempts = []
    port = serial.serial_for_url("loop://", baudrate=9600, timeout=0.2)

    def opener(url):
        attempts.append(url)
        if len(attempts) <= 2:
            raise serial.SerialException("could not open port")
        return port

    rec = Recorder()
    reader = ScannerReader("loop://", rec.on_code, rec.on_status, retry_interval=RETRY, opener=opener)
    run_in_thread(reader.run)
    assert wait_for(lambda: rec.statuses == ["disconnected", "connected"])
    port.write(b"LOOP1\r\nLOOP2\n")
    assert wait_for(lambda: rec.codes == ["LOOP1", "LOOP2"])
    assert attempts == ["loop://"] * 3


def test_default_opener_accepts_loop_url():
    ser = sr._default_opener("loop://")
    try:
        assert ser.baudrate == 9600 and ser.timeout == 0.2
    finally:
        ser.close()


def test_read_error_midway_reports_disconnected(run_in_thread):
    class DyingPort:
        in_waiting = 0

        def __init__(self):
            self.closed = False

        def read(self, n):
            raise OSError(5, "Input/output error")

        def close(self):
            self.closed = True

    ports = []

    def opener(url):
        p = DyingPort()
        ports.append(p)
        return p

    rec = Recorder()
    reader = ScannerReader("x", rec.on_code, rec.on_status, retry_interval=RETRY, opener=opener)
    run_in_thread(reader.run)
    assert wait_for(lambda: len(ports) >= 3)
    # flapping device: each reopen is reported, each failure closes the port
    assert rec.statuses[:2] == ["connected", "disconnected"]
    assert all(p.closed for p in ports[:-1])


def test_retry_interval_must_be_positive():
    with pytest.raises(ValueError):
        ScannerReader("x", print, retry_interval=0)


# -- main_loop (what `olympix gate-reader` calls) --------------------------


def test_main_loop_passes_gate_to_callbacks(ptys, run_in_thread):
    pty = ptys()
    seen = []
    statuses = []
    listing = lambda: [FakePort(pty.path, 0x1EAB, 0x1D06, "Newland")]  # noqa: E731
    run_in_thread(
        lambda stop: main_loop(
            "auto",
            "gate-A",
            lambda gate, code: seen.append((gate, code)),
            lambda gate, status: statuses.append((gate, status)),
            stop,
            retry_interval=RETRY,
            list_ports=listing,
        )
    )
    assert wait_for(lambda: statuses == [("gate-A", "connected")])
    pty.write(b"TKT42\r\n")
    assert wait_for(lambda: seen == [("gate-A", "TKT42")])


def test_main_loop_warns_with_port_list_when_no_scanner(caplog, run_in_thread):
    listing = lambda: [FakePort("/dev/ttyUSB0", 0x0403, 0x6001, "FT232R")]  # noqa: E731
    stop = run_in_thread(
        lambda stop: main_loop("auto", "g", lambda g, c: None, None, stop, retry_interval=RETRY, list_ports=listing)
    )
    assert wait_for(lambda: "FT232R" in caplog.text)
    stop.set()
