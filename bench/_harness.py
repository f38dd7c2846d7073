"""What every benchmark shares: processes it starts and always stops, a
private database, a light HTTP client, bounded load loops, statistics,
tables and JSON.

Nothing here imports olympix: the application is driven over HTTP and
through the ``olympix`` command; seeding (which must import it) lives in
``_world.py`` alone.

Every load loop is bounded by a count AND a time, targets 127.0.0.1 only,
and shows its progress on stderr.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pymysql

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
VENV_BIN = os.path.join(REPO, ".venv", "bin")
MARIADB = dict(host="127.0.0.1", port=3306, user="root", password="")
LOOPBACK = "127.0.0.1"
REDIS_URL = "redis://127.0.0.1:6379/0"  # the machine's Redis (benchmarks use a key prefix of their own)


def bin_path(name):
    """A console script of the project's virtualenv (or of the running Python)."""
    for folder in (os.path.dirname(sys.executable), VENV_BIN):
        candidate = os.path.join(folder, name)
        if os.path.exists(candidate):
            return candidate
    raise SystemExit(f"{name} not found: run ./run setup first")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def loopback_only(url):
    """Refuse any URL that is not on this machine's loopback."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit(f"refusing a non-loopback target: {url}")
    return url


# -- the run: everything started is stopped, also on Ctrl-C or a failure --------------

class Run(contextlib.ExitStack):
    """An ExitStack that also turns SIGTERM/SIGHUP into a clean stop.

    Use ``with Run("surge") as run:``; ``run.tmp`` is a private folder for
    ini files and logs (kept with ``--keep``, else removed).
    """

    def __init__(self, name, keep=False):
        super().__init__()
        self.name = name
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix=f"olympix-bench-{name}-")
        self.started = time.time()

    def __enter__(self):
        super().__enter__()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _raise_interrupt)
        if not self.keep:
            self.callback(_rmtree, self.tmp)
        else:
            self.callback(log, f"kept {self.tmp}")
        return self

    def __exit__(self, *exc):
        if exc[0] is not None and exc[0] is not KeyboardInterrupt:
            log(f"failed: {exc[0].__name__}: {exc[1]} (logs in {self.tmp}; stopping everything)")
        if exc[0] is KeyboardInterrupt:
            log("interrupted: stopping everything")
        return super().__exit__(*exc)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _rmtree(path):
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# -- the private database ---------------------------------------------------------------

def admin_connection():
    return pymysql.connect(connect_timeout=5, autocommit=True, **MARIADB)


def private_database(run, prefix="olympix_bench"):
    """CREATE a database of our own on the shared server; DROP it at the end. Returns its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    conn = admin_connection()
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()

    def drop():
        c = admin_connection()
        with c.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
        c.close()
        log(f"dropped database {name}")

    run.callback(drop)
    log(f"created database {name}")
    return name, f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"


def sql(db, statement, args=None, many=False):
    """Run one statement on the private database; returns all rows."""
    conn = pymysql.connect(database=db, autocommit=True, **MARIADB)
    try:
        with conn.cursor() as cur:
            if many:
                cur.executemany(statement, args)
            else:
                cur.execute(statement, args)
            return cur.fetchall()
    finally:
        conn.close()


# -- processes ----------------------------------------------------------------------

class Proc:
    """A child process in its own process group, logging to a file; stopped by its id."""

    def __init__(self, run, name, argv, env=None, cwd=REPO):
        self.name = name
        self.log_path = os.path.join(run.tmp, f"{name}.log")
        self.log_file = open(self.log_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            full_env.pop(var, None)  # loopback only, never through a proxy
        self.popen = subprocess.Popen(argv, cwd=cwd, env=full_env, stdout=self.log_file,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.popen.pid
        run.callback(self.stop)

    def alive(self):
        return self.popen.poll() is None

    def stop(self, timeout=15):
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)  # our own group: gunicorn and its workers
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(5)
        self.log_file.close()

    def tail(self, lines=30):
        with open(self.log_path, "rb") as fh:
            return b"\n".join(fh.read().splitlines()[-lines:]).decode("utf-8", "replace")

    def children(self):
        """Pids of the direct children (gunicorn's workers)."""
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as fh:
                return [int(p) for p in fh.read().split()]
        except OSError:
            return []


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """User + system CPU seconds the processes ``pids`` used so far (/proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / CLOCK_TICKS


def cpu_of(pids, loop):
    """Run ``loop()`` (a LoopResult) and record the CPU time ``pids`` spent meanwhile: what a request
    costs the servers, whatever else the machine runs (the wall-clock rates move with its load)."""
    before = cpu_seconds(pids)
    result = loop()
    result.cpu_seconds = cpu_seconds(pids) - before
    return result


def wait_http(proc, url, timeout=60):
    """Wait until ``url`` answers any HTTP status; fail with the log tail otherwise."""
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            conn.request("GET", parts.path or "/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{proc.name} did not answer {url} within {timeout}s:\n{proc.tail()}")


GUNICORN_SETTINGS = {"workers": 2, "worker_class": "sync", "timeout": 30}


def gunicorn(run, name, target, port, env=None, paste=True, workers=None):
    """gunicorn sync workers on 127.0.0.1:port, as production serves (DESIGN.md, "Measured")."""
    argv = [bin_path("gunicorn")]
    argv += ["--paste", target] if paste else [target]
    argv += ["--bind", f"{LOOPBACK}:{port}", "--workers", str(workers or GUNICORN_SETTINGS["workers"]),
             "--worker-class", GUNICORN_SETTINGS["worker_class"], "--timeout", str(GUNICORN_SETTINGS["timeout"]),
             "--log-level", "warning", "--backlog", "2048"]
    proc = Proc(run, name, argv, env=env)
    wait_http(proc, f"http://{LOOPBACK}:{port}/")
    log(f"{name}: gunicorn, {workers or GUNICORN_SETTINGS['workers']} sync workers on {LOOPBACK}:{port} "
        f"(pid {proc.pid}, workers {proc.children()})")
    return proc


def memory_of(pids):
    """{"rss_kib": sum of VmRSS, "hwm_kib": max VmHWM} of these processes (from /proc)."""
    rss, hwm = 0, 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        hwm = max(hwm, int(line.split()[1]))
        except OSError:
            pass
    return {"rss_kib": rss, "hwm_kib": hwm}


# -- a light HTTP client: one per simulated person or device --------------------------------

class Client:
    """Keep-alive ``http.client`` connections per host, a cookie jar, no redirects followed.

    gunicorn's sync workers close every connection after the response;
    ``http.client`` then opens a new one for the next request.
    """

    def __init__(self, timeout=60):
        self.timeout = timeout
        self.conns = {}
        self.cookies = {}

    def _conn(self, netloc):
        conn = self.conns.get(netloc)
        if conn is None:
            host, _, port = netloc.partition(":")
            conn = self.conns[netloc] = http.client.HTTPConnection(host, int(port or 80), timeout=self.timeout)
        return conn

    def request(self, method, url, body=None, headers=None):
        """Returns (status, headers as a dict of lower-cased names, body bytes)."""
        parts = urllib.parse.urlsplit(loopback_only(url))
        path = parts.path + ("?" + parts.query if parts.query else "")
        all_headers = {"User-Agent": "olympix-bench", "Accept-Language": "fr"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict) or isinstance(body, list):
            body = urllib.parse.urlencode(body if isinstance(body, dict) else [tuple(f) for f in body]).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers.update(headers or {})
        for attempt in (0, 1):
            conn = self._conn(parts.netloc)
            reused = conn.sock is not None
            try:
                conn.request(method, path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if attempt or not reused:
                    raise
            except BaseException:
                conn.close()  # a time-out leaves it mid-request: the next request starts afresh
                raise
        got = {}
        for name, value in response.getheaders():
            name = name.lower()
            if name == "set-cookie":
                self._set_cookie(value)
            else:
                got[name] = value
        if response.will_close:
            conn.close()
        return response.status, got, data

    def _set_cookie(self, value):
        first, _, attributes = value.partition(";")
        name, _, cookie = first.strip().partition("=")
        gone = re.search(r"max-age=0\b|expires=[^;]*1970", attributes, re.I)
        if gone or cookie in ("", '""'):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = cookie

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, fields, **kw):
        return self.request("POST", url, body=fields, **kw)

    def close(self):
        for conn in self.conns.values():
            conn.close()


class FlowError(Exception):
    """A step of a flow did not answer what a person would expect."""


def expect(status, wanted, what, body=b""):
    if status not in (wanted if isinstance(wanted, tuple) else (wanted,)):
        text = body[:300].decode("utf-8", "replace").replace("\n", " ")
        raise FlowError(f"{what}: HTTP {status} (wanted {wanted}) {text}")


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.depth = form_id, False, 0
        self.fields, self.action, self.found = [], None, False
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if not self.found and (self.form_id is None or a.get("id") == self.form_id):
                self.inside, self.found, self.action = True, True, a.get("action")
            return
        if not self.inside:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset") or "name" not in a:
                return
            if kind in ("radio", "checkbox") and "checked" not in a:
                if kind == "radio" and not any(n == a["name"] for n, _v in self.fields):
                    self.fields.append([a["name"], a.get("value", "on")])  # first choice if none checked
                return
            if kind == "radio":
                self.fields = [f for f in self.fields if f[0] != a["name"]]
            self.fields.append([a["name"], a.get("value", "")])
        elif tag == "select" and "name" in a:
            self._select = [a["name"], None]
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in a:
                self._select[1] = a.get("value", "")
        elif tag == "textarea" and "name" in a:
            self.fields.append([a["name"], ""])

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None


def form_fields(html, form_id="form"):
    """(action, [[name, value], ...]) of the form with this id, fields in document order."""
    parser = _FormParser(form_id)
    parser.feed(html.decode("utf-8", "replace") if isinstance(html, bytes) else html)
    if not parser.found:
        raise FlowError(f"no form {form_id!r} on the page")
    return parser.action, [[n, v if v is not None else ""] for n, v in parser.fields]


def absolute(base, location):
    return urllib.parse.urljoin(base, location)


# -- bounded load loops ----------------------------------------------------------------

@dataclass
class Sample:
    ok: bool
    kind: str = "ok"
    steps: dict = field(default_factory=dict)  # step -> seconds
    units: int = 1  # tickets in a purchase, etc.
    t: float = 0.0  # when it ended (monotonic)


@dataclass
class LoopResult:
    label: str
    workers: int
    seconds: float
    samples: list
    errors: list
    cpu_seconds: float | None = None  # the servers' workers' CPU time during the loop (``cpu_of``)

    def cpu_ms_each(self):
        """Workers' CPU milliseconds per completed iteration (None when not measured)."""
        done = len(self.ok)
        return 1000 * self.cpu_seconds / done if self.cpu_seconds is not None and done else None

    @property
    def ok(self):
        return [s for s in self.samples if s.ok]

    def rate(self, kind=None):
        chosen = [s for s in self.ok if kind is None or s.kind == kind]
        return len(chosen) / self.seconds if self.seconds else 0.0

    def units_rate(self):
        return sum(s.units for s in self.ok) / self.seconds if self.seconds else 0.0

    def error_kinds(self):
        """{"FlowError: pay (to the provider): HTTP 200": count, ...}: errors grouped by their start."""
        kinds = {}
        for text in self.errors:
            key = re.sub(r"\d{3,}", "N", re.split(r" <|\(wanted| \{", text, maxsplit=1)[0])[:90].strip()
            kinds[key] = kinds.get(key, 0) + 1
        return kinds

    def step_percentiles(self, kind=None):
        by_step = {}
        for s in self.ok:
            if kind is not None and s.kind != kind:
                continue
            for step, seconds in s.steps.items():
                by_step.setdefault(step, []).append(seconds)
        return {step: percentiles(values) for step, values in by_step.items()}


def percentiles(values, points=(50, 95, 99)):
    """Nearest-rank percentiles in milliseconds, and the count."""
    if not values:
        return {f"p{p}": None for p in points} | {"n": 0}
    ordered = sorted(values)
    out = {}
    for p in points:
        rank = max(1, -(-p * len(ordered) // 100))  # ceil
        out[f"p{p}"] = round(ordered[rank - 1] * 1000, 2)
    out["n"] = len(ordered)
    return out


class Progress:
    """One stderr line a second: how many done, the rate, errors."""

    def __init__(self, label, max_count, max_seconds):
        self.label, self.max_count, self.max_seconds = label, max_count, max_seconds
        self.count = 0
        self.errors = 0
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self.began = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add(self, ok=True):
        with self.lock:
            self.count += 1
            self.errors += not ok

    def _run(self):
        while not self._stop.wait(1.0):
            elapsed = time.monotonic() - self.began
            print(f"\r  {self.label}: {self.count}/{self.max_count} in {elapsed:4.0f}/{self.max_seconds:.0f}s "
                  f"({self.count / max(elapsed, 1e-9):7.1f}/s, {self.errors} errors)   ",
                  end="", file=sys.stderr, flush=True)

    def close(self):
        self._stop.set()
        self._thread.join()
        elapsed = time.monotonic() - self.began
        print(f"\r  {self.label}: {self.count} done in {elapsed:.1f}s "
              f"({self.count / max(elapsed, 1e-9):.1f}/s, {self.errors} errors)" + " " * 20,
              file=sys.stderr, flush=True)


def closed_loop(label, workers, iteration, max_count, max_seconds, setup=None, warmup_seconds=0.0):
    """``workers`` threads each call ``iteration(state, i)`` back to back.

    Stops starting new iterations after ``max_seconds`` or once
    ``max_count`` iterations have started, whichever first; iterations in
    flight finish (their time counts). ``iteration`` returns a Sample (or
    raises: an error). ``setup(worker_index)`` makes each thread's state
    before the clock starts. Returns a LoopResult; the rate is over the
    time from the start line to the last iteration's end.
    """
    states = [setup(w) if setup else None for w in range(workers)]
    if warmup_seconds:
        _warm(states, iteration, warmup_seconds)
    counter = iter(range(max_count))
    counter_lock = threading.Lock()
    samples, errors = [], []
    progress = Progress(f"{label} x{workers}", max_count, max_seconds)
    start_line = threading.Barrier(workers + 1)
    deadline = [0.0]

    def next_index():
        with counter_lock:
            if time.monotonic() >= deadline[0]:
                return None
            return next(counter, None)

    def worker(w):
        start_line.wait()
        while True:
            i = next_index()
            if i is None:
                return
            try:
                sample = iteration(states[w], i)
                sample.t = time.monotonic()
                samples.append(sample)
                progress.add(True)
            except Exception as exc:  # noqa: BLE001 - counted and shown, the loop goes on
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                progress.add(False)

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(workers)]
    for t in threads:
        t.start()
    began = time.monotonic()
    deadline[0] = began + max_seconds
    start_line.wait()
    hard_stop = began + max_seconds + 120  # iterations in flight: at most two more minutes
    for t in threads:
        t.join(max(0.1, hard_stop - time.monotonic()))
    progress.close()
    ended = max([s.t for s in samples], default=time.monotonic())
    if any(t.is_alive() for t in threads):
        errors.append("some iterations still running after the hard stop (not counted)")
    return LoopResult(label, workers, max(ended - began, 1e-9), list(samples), errors)


def _warm(states, iteration, seconds):
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end and i < 1000:
        with contextlib.suppress(Exception):
            iteration(states[i % len(states)], -1 - i)
        i += 1


def open_loop(label, lanes, interval, iteration, max_seconds, max_count, setup=None):
    """``lanes`` lanes each start one iteration every ``interval`` seconds (staggered).

    Latency is measured from the scheduled start, so a slow answer that
    delays the lane's next scan counts against it (no coordinated omission).
    """
    states = [setup(w) if setup else None for w in range(lanes)]
    samples, errors = [], []
    progress = Progress(f"{label} {lanes} lanes", max_count, max_seconds)
    counter = iter(range(max_count))
    lock = threading.Lock()
    began = time.monotonic() + 0.5
    end = began + max_seconds

    def lane(w):
        k = 0
        while True:
            scheduled = began + (w / lanes) * interval + k * interval
            k += 1
            if scheduled >= end:
                return
            with lock:
                i = next(counter, None)
            if i is None:
                return
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                sample = iteration(states[w], i)
                sample.t = time.monotonic()
                sample.steps = {name: sample.t - scheduled if name == "scheduled" else value
                                for name, value in sample.steps.items()}
                samples.append(sample)
                progress.add(True)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                progress.add(False)

    threads = [threading.Thread(target=lane, args=(w,), daemon=True) for w in range(lanes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, end + 60 - time.monotonic()))
    progress.close()
    return LoopResult(label, lanes, max_seconds, list(samples), errors)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# -- output ------------------------------------------------------------------------

def machine():
    load = os.getloadavg()
    with contextlib.suppress(OSError):
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) // 1024
    cpu = ""
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    mariadb = ""
    with contextlib.suppress(Exception):
        conn = admin_connection()
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            mariadb = cur.fetchone()[0]
        conn.close()
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_mib": mem, "python": platform.python_version(),
            "kernel": platform.release(), "mariadb": mariadb, "loadavg": [round(x, 2) for x in load],
            "when": _dt.datetime.now().astimezone().isoformat(timespec="seconds")}


def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, Ratio):
        return f"{value:.3f}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(title, header, rows):
    """Print a plain-text table (also valid Markdown)."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h))
              for i, h in enumerate(header)]
    print(f"\n{title}")
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths)) + " |")
    sys.stdout.flush()


def _numeric(text):
    return bool(re.fullmatch(r"[-+]?[\d.,]+[x%]?|-", text))


class Ratio(float):
    """A ratio, printed with three decimals."""


def ratio(a, b):
    return None if not a or not b else Ratio(a / b)


def write_json(name, data, path=None):
    if path is None:
        folder = os.path.join(REPO, "var", "bench")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    with open(path, "w") as fh:
        json.dump(data, fh, indent=2, default=str)
    print(f"\nJSON written to {os.path.relpath(path, os.getcwd())}")
    return path


def common_arguments(parser):
    parser.add_argument("--json", help="where to write the JSON (default var/bench/NAME-DATE.json)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (ini files, logs)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="interleaved rounds (app, baseline, app, ...); medians are reported")
    return parser


def int_list(text):
    return [int(x) for x in text.split(",") if x.strip()]
