"""Serial barcode-scanner reader for the gates.

USB barcode scanners set to serial (CDC/ACM, "USB COM port") mode show up as
``/dev/ttyACM*`` (Linux) or ``COMn`` (Windows) and send every scanned code as
one line terminated by CR, LF or CRLF.  This module:

* finds the scanner among the serial ports by its USB vendor id
  (:data:`KNOWN_SCANNER_VIDS`, :func:`find_scanner_port`,
  :func:`describe_ports`);
* reads lines from it and hands each code to a callback
  (:class:`ScannerReader`), surviving unplug / replug of the scanner;
* offers :func:`main_loop`, the one call the ``olympix gate-reader``
  command makes.

What the reader does with the bytes it receives:

* a line ends at CR, LF or CRLF (a CR at the very end of a read followed by an
  LF at the start of the next read is still one line end);
* the line is decoded as ASCII; a byte that is not ASCII is *dropped*
  (``errors="ignore"``) — barcode symbologies used for tickets are pure ASCII,
  so a stray byte is line noise, and dropping it lets the gate's token check
  refuse the code if it is damaged;
* ASCII control characters (other than TAB, turned into a space) are dropped
  as well, then the text is stripped of surrounding whitespace;
* an empty line (or one that becomes empty after the above) is skipped;
* a line longer than :data:`MAX_LINE_BYTES` bytes is dropped whole with a
  warning (bytes are discarded until its line end; nothing of it is passed
  on), since a ticket code is at most 32 characters and anything that long is
  garbage or a scanner misconfigured without terminators.

The scan itself (checking the code, showing the verdict) is done by the
``on_code`` callback; this module only transports codes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import serial
import serial.tools.list_ports

log = logging.getLogger(__name__)

#: Longest line accepted, in bytes (without its terminator).
MAX_LINE_BYTES = 512

#: Default pause between two attempts to (re)open a missing scanner.
DEFAULT_RETRY_INTERVAL = 2.0

#: Status strings passed to ``on_status``.
STATUS_CONNECTED = "connected"
STATUS_DISCONNECTED = "disconnected"

#: USB vendor ids (idVendor) of common barcode-scanner makers.
#:
#: Checked against two public lists: ``usb.ids`` (linux-usb.org, 2018-03
#: copy) and the USB-IF vendor-id list (2009 snapshot).  "verified" below
#: names the entry found; "unverified" means neither list has it and the id
#: comes from vendor material as remembered.  A wrong id only means "not
#: auto-detected" (the port can still be given by name), never a wrong scan.
#:
#: Deliberately NOT listed (checked, they belong to someone else):
#: * 0x1D6B is The Linux Foundation (every Linux root hub, gadget serial
#:   ports), not Zebex: listing it would make non-scanners look like scanners.
#:   Zebex's own vendor id is unknown here.
#: * 0x0DC4 is inXtron (usb.ids) / Macpower & Tytech (USB-IF), not Cino.
#:   Cino/FuzzyScan's vendor id is unknown here.
#: * 0x0D87 is Dolby Laboratories (usb.ids), not The Code Corporation.
#:   Code Corp's vendor id is unknown here.
KNOWN_SCANNER_VIDS: dict[int, str] = {
    # verified: usb.ids "0c2e  Metrologic", MS7120 serial-mode products
    0x0C2E: "Honeywell (Metrologic)",
    # verified: usb.ids "0536  Hand Held Products (Welch Allyn, Inc.)"
    0x0536: "Honeywell (Hand Held Products)",
    # verified: USB-IF 1662 "Intermec Technologies" (now Honeywell)
    0x067E: "Honeywell (Intermec)",
    # verified: usb.ids "05e0  Symbol Technologies" incl. "Bar Code Scanner
    # (CDC)"; USB-IF 1504 "Motorola Symbol Technologies" (now Zebra)
    0x05E0: "Zebra (Symbol)",
    # verified: usb.ids "05f9  PSC Scanning, Inc." incl. "Gryphon series
    # (RS-232 emulation mode)"; USB-IF 1529 "Datalogic Scanning, Inc."
    0x05F9: "Datalogic",
    # verified: usb.ids "080c  Datalogic S.p.A." (Gryphon); USB-IF 2060
    0x080C: "Datalogic",
    # verified: usb.ids "065a  Optoelectronics Co., Ltd" incl. "NLV-1001
    # (serial mode) / OPN-2001 [Opticon]"
    0x065A: "Opticon",
    # verified: usb.ids "0db5  Access IS" incl. "Barcode Module - CDC serial"
    0x0DB5: "Access IS",
    # unverified: Newland Auto-ID; absent from both lists (registered later)
    0x1EAB: "Newland",
}


class PortInfo(Protocol):
    """What we use of ``serial.tools.list_ports_common.ListPortInfo``."""

    device: str
    vid: int | None
    pid: int | None
    description: str


PortLister = Callable[[], Iterable[Any]]


def _default_lister() -> Iterable[Any]:
    return serial.tools.list_ports.comports()


def scanner_maker(port: Any) -> str | None:
    """The maker name if ``port``'s USB vendor id is a known scanner make."""
    vid = getattr(port, "vid", None)
    if vid is None:
        return None
    return KNOWN_SCANNER_VIDS.get(vid)


def find_scanner_port(list_ports: PortLister | None = None) -> PortInfo | None:
    """Return the first serial port whose USB vendor id is a known scanner.

    ``list_ports`` defaults to :func:`serial.tools.list_ports.comports`; tests
    inject a function returning fake port infos (objects with ``device``,
    ``vid``, ``pid``, ``description``).  Ports are tried in ``device`` order so
    the choice is stable when several scanners are plugged in.
    """
    lister = list_ports or _default_lister
    try:
        ports = list(lister())
    except OSError as exc:  # e.g. /dev not readable
        log.warning("cannot list serial ports: %s", exc)
        return None
    for port in sorted(ports, key=lambda p: str(getattr(p, "device", ""))):
        if scanner_maker(port) is not None:
            return port
    return None


def _fmt_id(value: int | None) -> str:
    return "----" if value is None else f"{value:04X}"


def describe_ports(list_ports: PortLister | None = None) -> str:
    """A human-readable list of the serial ports found, for error messages."""
    lister = list_ports or _default_lister
    try:
        ports = sorted(lister(), key=lambda p: str(getattr(p, "device", "")))
    except OSError as exc:
        return f"Could not list serial ports: {exc}"
    if not ports:
        return ("No serial port found. Is the scanner plugged in and set to USB "
                "serial (CDC/COM) mode rather than keyboard mode?")
    lines = ["No known barcode scanner among the serial ports found:"]
    for port in ports:
        maker = scanner_maker(port)
        ids = f"{_fmt_id(getattr(port, 'vid', None))}:{_fmt_id(getattr(port, 'pid', None))}"
        lines.append(f"  {getattr(port, 'device', '?')}  {ids}  {getattr(port, 'description', '') or ''}"
                     + (f"  [{maker}]" if maker else ""))
    lines.append("Give the port explicitly (e.g. --port /dev/ttyACM0) if the scanner is listed.")
    return "\n".join(lines)


class LineSplitter:
    """Turn a byte stream into scanned codes (see the module docstring)."""

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self.max_line = max_line
        self._buf = bytearray()
        self._discarding = False  # inside an overlong line, until its end
        self._after_cr = False  # last byte seen was CR (swallow a following LF)

    def feed(self, data: bytes) -> list[str]:
        codes: list[str] = []
        for byte in data:
            if byte == 0x0A and self._after_cr:  # LF of a CRLF
                self._after_cr = False
                continue
            self._after_cr = byte == 0x0D
            if byte in (0x0A, 0x0D):
                self._end_line(codes)
                continue
            if self._discarding:
                continue
            self._buf.append(byte)
            if len(self._buf) > self.max_line:
                log.warning("scanner line longer than %d bytes dropped (starts %r)",
                            self.max_line, bytes(self._buf[:32]))
                self._buf.clear()
                self._discarding = True
        return codes

    def reset(self) -> None:
        """Forget a partial line (after a disconnect)."""
        self._buf.clear()
        self._discarding = False
        self._after_cr = False

    def _end_line(self, codes: list[str]) -> None:
        if self._discarding:
            self._discarding = False
            return
        raw = bytes(self._buf)
        self._buf.clear()
        text = clean_code(raw)
        if text:
            codes.append(text)
        elif raw.strip():
            log.warning("scanner line with no printable ASCII dropped: %r", raw[:64])


def clean_code(raw: bytes) -> str:
    """Decode one line: ASCII only, no control characters, stripped."""
    text = raw.decode("ascii", errors="ignore").replace("\t", " ")
    text = "".join(ch for ch in text if 0x20 <= ord(ch) < 0x7F)
    return text.strip()


Opener = Callable[[str], Any]


def _default_opener(url: str) -> serial.SerialBase:
    return serial.serial_for_url(url, baudrate=9600, timeout=0.2)


class ScannerReader:
    """Read codes from a serial barcode scanner, surviving unplug / replug.

    ``port``: a device path (``/dev/ttyACM0``, ``COM3``), any pyserial URL
    (``loop://``), or ``"auto"`` to look the scanner up by vendor id with
    :func:`find_scanner_port` at every (re)connection.

    ``resolver``: optional ``() -> str | None`` giving the port name to open;
    overrides ``port`` (tests point it at a fresh pseudo-terminal, a site can
    use a udev symlink).  ``None`` means "no scanner right now, retry later".

    ``on_code(text)`` is called, in the reading thread, once per scanned code;
    ``on_status(str)`` gets :data:`STATUS_CONNECTED` /
    :data:`STATUS_DISCONNECTED` on every change (so a reader that cannot open
    a scanner at start reports "disconnected" once, then "connected" when the
    scanner appears).  An exception raised by a callback is logged and does
    not stop the reader.
    """

    def __init__(
        self,
        port: str,
        on_code: Callable[[str], Any],
        on_status: Callable[[str], Any] | None = None,
        *,
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
        resolver: Callable[[], str | None] | None = None,
        list_ports: PortLister | None = None,
        opener: Opener | None = None,
        max_line: int = MAX_LINE_BYTES,
    ) -> None:
        if retry_interval <= 0:
            raise ValueError("retry_interval must be positive")
        self.port = port
        self.on_code = on_code
        self.on_status = on_status
        self.retry_interval = retry_interval
        self.resolver = resolver
        self.list_ports = list_ports
        self.opener = opener or _default_opener
        self.splitter = LineSplitter(max_line)
        self.status: str | None = None
        self.current_port: str | None = None
        self._serial: Any = None

    # -- port resolution -------------------------------------------------
    def resolve_port(self) -> str | None:
        if self.resolver is not None:
            return self.resolver()
        if self.port == "auto":
            info = find_scanner_port(self.list_ports)
            return None if info is None else info.device
        return self.port

    # -- callbacks -------------------------------------------------------
    def _set_status(self, status: str) -> None:
        if status == self.status:
            return
        self.status = status
        if status == STATUS_CONNECTED:
            log.info("scanner connected on %s", self.current_port)
        else:
            log.warning("scanner disconnected (%s)", self.current_port)
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:  # a broken display must not stop the gate
                log.exception("on_status callback failed")

    def _emit(self, code: str) -> None:
        try:
            self.on_code(code)
        except Exception:
            log.exception("on_code callback failed for a scanned code")

    # -- connection ------------------------------------------------------
    def _open(self) -> bool:
        name = self.resolve_port()
        if not name:
            if self.status is None:
                log.warning("no scanner found; retrying every %ss", self.retry_interval)
            return False
        try:
            self._serial = self.opener(name)
        except (serial.SerialException, OSError, ValueError) as exc:
            log.debug("cannot open %s: %s", name, exc)
            self._serial = None
            return False
        self.current_port = name
        self.splitter.reset()
        self._set_status(STATUS_CONNECTED)
        return True

    def _close(self) -> None:
        ser, self._serial = self._serial, None
        if ser is not None:
            try:
                ser.close()
            except Exception:  # closing a vanished device may fail; ignore
                log.debug("error closing serial port", exc_info=True)

    def _read_once(self) -> None:
        ser = self._serial
        # Wait up to the port timeout for a first byte, then take all that
        # is already buffered: one code arrives as one burst.
        data = ser.read(1)
        if data:
            waiting = ser.in_waiting
            if waiting:
                data += ser.read(waiting)
            for code in self.splitter.feed(data):
                self._emit(code)

    # -- main loop -------------------------------------------------------
    def run(self, stop_event: threading.Event) -> None:
        """Read until ``stop_event`` is set.  Never raises on device errors."""
        try:
            while not stop_event.is_set():
                if self._serial is None:
                    if not self._open():
                        if self.status is None:
                            # never connected yet: say so once
                            self._set_status(STATUS_DISCONNECTED)
                        stop_event.wait(self.retry_interval)
                        continue
                try:
                    self._read_once()
                except (serial.SerialException, OSError) as exc:
                    log.debug("read failed on %s: %s", self.current_port, exc)
                    self._close()
                    self.splitter.reset()
                    self._set_status(STATUS_DISCONNECTED)
                    stop_event.wait(self.retry_interval)
        finally:
            self._close()


def main_loop(
    port: str,
    gate: str,
    on_code: Callable[[str, str], Any],
    on_status: Callable[[str, str], Any] | None = None,
    stop_event: threading.Event | None = None,
    *,
    retry_interval: float = DEFAULT_RETRY_INTERVAL,
    list_ports: PortLister | None = None,
) -> None:
    """Entry point for ``olympix gate-reader``: block until ``stop_event``.

    ``port`` is a device path or ``"auto"``; ``gate`` names the gate and is
    passed back to the callbacks: ``on_code(gate, code)`` and
    ``on_status(gate, status)``.  The caller does the scan (token check,
    display).  Without a ``stop_event`` the loop runs until interrupted
    (Ctrl-C ends it cleanly).
    """
    if stop_event is None:
        stop_event = threading.Event()
    reader = ScannerReader(port, on_code=lambda code: on_code(gate, code),
                           on_status=(lambda status: on_status(gate, status)) if on_status else None,
                           retry_interval=retry_interval, list_ports=list_ports)
    if port == "auto" and find_scanner_port(list_ports) is None:
        log.warning("%s", describe_ports(list_ports))
    try:
        reader.run(stop_event)
    except KeyboardInterrupt:
        stop_event.set()
