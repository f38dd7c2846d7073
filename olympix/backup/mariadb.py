"""MariaDB snapshots with mariadb-dump, restores with mariadb, replays with mariadb-binlog.

The dump is ``--single-transaction``: one consistent InnoDB snapshot taken
without locking the tables, so the site keeps selling while it runs. With
binary logging on, ``--master-data=2`` records (as a comment) the binlog
position that snapshot corresponds to; MariaDB reads it from the snapshot
itself (``binlog_snapshot_file``), so no global read lock is taken either.

Rows are dumped one INSERT per line in primary-key order: the manifest's
row counts and per-table digests come from the dump as it streams (they
describe exactly the snapshot, not the live tables a moment later), and a
restore proves itself by dumping the restored tables the same way.
"""
import datetime
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from . import BackupError
from .manifest import schema_revision

INSERT = re.compile(rb"^INSERT INTO `((?:[^`]|``)+)` VALUES ")
CREATE = re.compile(rb"^CREATE TABLE `((?:[^`]|``)+)` \(")
DUMPING = re.compile(rb"^-- Dumping data for table `((?:[^`]|``)+)`")
POSITION = re.compile(rb"^-- CHANGE MASTER TO MASTER_LOG_FILE='([^']+)', MASTER_LOG_POS=(\d+);")
DUMP_OPTIONS = ["--single-transaction", "--routines", "--triggers", "--skip-extended-insert",
                "--order-by-primary", "--hex-blob", "--no-autocommit", "--skip-dump-date"]


def tool(name):
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not found:
        raise BackupError(f"{name} is not installed (Debian package mariadb-client)")
    return found


class Target:
    """Where a MariaDB URL points, and how its command-line tools reach it."""

    def __init__(self, url):
        self.url = make_url(url)
        if not self.url.database:
            raise BackupError(f"the database URL names no database: {url}")
        self.database = self.url.database

    def client_args(self):
        args = [f"--user={self.url.username or 'root'}"]
        socket = self.url.query.get("unix_socket")
        if socket:
            args.append(f"--socket={socket}")
        else:
            args += [f"--host={self.url.host or '127.0.0.1'}", f"--port={self.url.port or 3306}",
                     "--protocol=TCP"]
        return args

    def env(self):
        # The password travels in the environment, not on a command line
        # every local user can read.
        env = dict(os.environ)
        if self.url.password:
            env["MYSQL_PWD"] = str(self.url.password)
        return env

    def engine(self, database=True):
        url = self.url if database else self.url.set(database="")
        return create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


class DumpReader:
    """Follows a dump as it streams: tables, rows, digests, binlog position, progress."""

    def __init__(self, progress=None):
        self.tables = {}
        self.position = None
        self.progress = progress
        self.current = None
        self.bytes = 0
        self.done = 0

    def feed(self, line):
        self.bytes += len(line)
        if line.startswith(b"INSERT"):
            match = INSERT.match(line)
            if match:
                entry = self.tables[match.group(1).decode()]
                entry["rows"] += 1
                entry["hash"].update(line)
            return
        if not line.startswith(b"-- ") and not line.startswith(b"CREATE"):
            return
        match = CREATE.match(line)
        if match:
            self.tables.setdefault(match.group(1).decode(), {"rows": 0, "hash": hashlib.sha256()})
            return
        match = DUMPING.match(line)
        if match:
            self._done()
            self.current = match.group(1).decode()
            return
        match = POSITION.match(line)
        if match:
            self.position = {"file": match.group(1).decode(), "pos": int(match.group(2))}

    def _done(self):
        if self.current and self.progress:
            self.done += 1
            entry = self.tables.get(self.current, {"rows": 0})
            self.progress(f"  table {self.done:>3}  {self.current:<28} {entry['rows']:>9,} rows  "
                          f"{self.bytes / 1e6:8.1f} MB")

    def finish(self):
        self._done()
        return {name: {"rows": e["rows"], "sha256": e["hash"].hexdigest()}
                for name, e in sorted(self.tables.items())}


def server_facts(target):
    engine = target.engine()
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT @@log_bin, @@version, @@global.wsrep_on, @@binlog_format")).one()
            revision = schema_revision(conn)
    except Exception as exc:  # noqa: BLE001 - said plainly to the operator
        raise BackupError(f"cannot read the database {target.database}: {exc}") from None
    finally:
        engine.dispose()
    return {"log_bin": bool(row[0]), "version": row[1], "wsrep_on": bool(row[2]),
            "binlog_format": row[3], "revision": revision}


def _run_dump(target, out, progress=None, master_data=False):
    """Stream mariadb-dump of the target's database through ``out``; returns the reader."""
    args = [tool("mariadb-dump"), *target.client_args(), *DUMP_OPTIONS]
    if master_data:
        args.append("--master-data=2")
    args.append(target.database)
    reader = DumpReader(progress)
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=target.env())
    try:
        for line in process.stdout:
            reader.feed(line)
            if out is not None:
                out.write(line)
        stderr = process.stderr.read().decode(errors="replace")
    finally:
        process.stdout.close()
        code = process.wait()
    if code != 0:
        raise BackupError(f"mariadb-dump failed (exit {code}): {stderr.strip()}")
    return reader


def snapshot(url, path, progress=None):
    """Dump ``url``'s database to ``path`` (gzip); returns the manifest's body."""
    target = Target(url)
    facts = server_facts(target)
    started = time.monotonic()
    tmp = path + ".partial"
    try:
        with gzip.open(tmp, "wb", compresslevel=6) as out:
            reader = _run_dump(target, out, progress, master_data=facts["log_bin"])
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {
        "engine": "mariadb",
        "database": target.database,
        "server_version": facts["version"],
        "galera": facts["wsrep_on"],
        "schema_revision": facts["revision"],
        "tables": reader.finish(),
        "digest": "mariadb-dump lines",
        "binlog": reader.position,
        "seconds": round(time.monotonic() - started, 3),
    }


def current_tables(target):
    engine = target.engine()
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = :db"),
                {"db": target.database}))
    finally:
        engine.dispose()


def prepare_empty(target, force):
    """Create the database if it is missing; refuse (or empty, with force) a non-empty one."""
    server = target.engine(database=False)
    try:
        with server.connect() as conn:
            name = target.database.replace("`", "``")
            conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` "
                              "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    except Exception as exc:  # noqa: BLE001
        raise BackupError(f"cannot reach or create the database {target.database}: {exc}") from None
    finally:
        server.dispose()
    existing = current_tables(target)
    if not existing:
        return
    if not force:
        raise BackupError(f"the database {target.database} is not empty ({len(existing)} tables): "
                          "restore into an empty database, or pass --force to replace its contents")
    engine = target.engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
            for table, kind in existing:
                quoted = table.replace("`", "``")
                conn.execute(text(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS `{quoted}`"))
            conn.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    finally:
        engine.dispose()


def _pipe_into_client(target, chunks, what):
    args = [tool("mariadb"), *target.client_args(), "--binary-mode", target.database]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=target.env())
    try:
        for chunk in chunks:
            process.stdin.write(chunk)
        process.stdin.close()
    except BrokenPipeError:
        pass
    stderr = process.stderr.read().decode(errors="replace")
    if process.wait() != 0:
        raise BackupError(f"{what} failed: {stderr.strip()}")


def load(url, path, progress=None):
    """Feed a snapshot into ``url``'s (empty) database."""
    target = Target(url)
    total = os.path.getsize(path)

    def chunks():
        with open(path, "rb") as raw, gzip.open(raw, "rb") as fh:
            last = 0.0
            for block in iter(lambda: fh.read(1 << 20), b""):
                yield block
                now = time.monotonic()
                if progress and now - last > 1:
                    progress(f"  restored {raw.tell() * 100 // max(total, 1):>3}% of {os.path.basename(path)}")
                    last = now

    _pipe_into_client(target, chunks(), "loading the snapshot")


def dumped_tables(url):
    """Rows and digests of ``url``'s database, computed the way snapshots compute them."""
    return _run_dump(Target(url), None).finish()


def binlog_files(folder, start):
    """The binary-log files in ``folder`` from ``start`` on, in order."""
    stem, _dot, number = start.rpartition(".")
    files = []
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        s, _d, n = name.rpartition(".")
        if s == stem and n.isdigit() and int(n) >= int(number):
            files.append((int(n), os.path.join(folder, name)))
    return [p for _n, p in sorted(files)]


def replay(url, manifest, binlog_folder, until, progress=None):
    """Apply the binlogs streamed into ``binlog_folder`` from the snapshot's position up to ``until``.

    ``until`` is an aware datetime; events at or after it are not applied
    (mariadb-binlog's --stop-datetime, read here in UTC). Only the
    snapshot's database is replayed, renamed to the target database.
    """
    target = Target(url)
    position = manifest.get("binlog")
    if not position:
        raise BackupError("this snapshot was taken with binary logging off: it cannot be rolled forward "
                          "(turn log_bin on, see docs/deployment.md)")
    files = binlog_files(binlog_folder, position["file"])
    if not files or os.path.basename(files[0]) != position["file"]:
        raise BackupError(f"the binary log {position['file']} the snapshot starts from is not in {binlog_folder} "
                          "(is olympix stream-binlogs running?)")
    source = manifest["database"]
    stop = until.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    # mariadb-binlog filters --database on the name the events were logged
    # under, then renames (checked on 10.11).
    args = [tool("mariadb-binlog"), f"--start-position={position['pos']}", f"--stop-datetime={stop}",
            f"--database={source}", f"--rewrite-db={source}->{target.database}",
            "--skip-gtid-strict-mode"]
    if not server_facts(target)["wsrep_on"]:
        # Do not write the replayed events into this server's own binary log
        # under their old GTIDs. (On a Galera node they must replicate.)
        args.append("--disable-log-bin")
    args += files
    if progress:
        progress(f"  replaying {len(files)} binary log file(s) from {position['file']}:{position['pos']} "
                 f"until {stop} UTC")
    env = dict(os.environ, TZ="UTC")
    decoder = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        _pipe_into_client(target, iter(lambda: decoder.stdout.read(1 << 20), b""), "replaying the binary logs")
    finally:
        decoder.stdout.close()
        errors = decoder.stderr.read().decode(errors="replace")
        code = decoder.wait()
    if code != 0:
        raise BackupError(f"mariadb-binlog failed (exit {code}): {errors.strip()}")


def stream_command(url, folder, server_id=0):
    """The mariadb-binlog command that copies the server's binary logs into ``folder`` as they are written."""
    target = Target(url)
    engine = target.engine()
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT @@log_bin")).scalar():
                raise BackupError("binary logging is off on this server: set log_bin, sync_binlog=1 and "
                                  "binlog_format=ROW (docs/deployment.md)")
            logs = [row[0] for row in conn.execute(text("SHOW BINARY LOGS"))]
    finally:
        engine.dispose()
    have = sorted(n for n in os.listdir(folder) if n.rpartition(".")[2].isdigit()) if os.path.isdir(folder) else []
    # Start again from the newest file already copied (it may be partial):
    # it is fetched whole and overwritten.
    first = have[-1] if have and have[-1] in logs else logs[0]
    return [tool("mariadb-binlog"), "--read-from-remote-server", "--raw", "--stop-never",
            f"--stop-never-slave-server-id={server_id or 4000 + os.getpid() % 1000}",
            *target.client_args(), f"--result-file={folder.rstrip('/')}/", first], target.env()
