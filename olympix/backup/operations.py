"""Take, restore and prune snapshots, whichever engine the URL names."""
import datetime
import os
import time

from . import BackupError, manifest, mariadb, sqlite

BINLOG_FOLDER = "binlog"  # beside the snapshots: where stream-binlogs writes


def engine_of(url):
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith(("mysql", "mariadb")):
        return "mariadb"
    raise BackupError(f"cannot back up this kind of database: {url.split(':', 1)[0]}")


def take(url, folder, progress=print, now=None):
    """Write one snapshot and its manifest into ``folder``; returns (snapshot path, manifest)."""
    os.makedirs(folder, exist_ok=True)
    kind = engine_of(url)
    when = manifest.stamp(now)
    path = manifest.snapshot_path(folder, when, "sql.gz" if kind == "mariadb" else "sqlite.gz")
    if os.path.exists(path):
        raise BackupError(f"{path} already exists (two snapshots in the same second?)")
    progress(f"snapshot of the {kind} database into {path}")
    body = (mariadb if kind == "mariadb" else sqlite).snapshot(url, path, progress)
    body.update({"format": manifest.FORMAT, "taken_at": when, "file": os.path.basename(path),
                 "bytes": os.path.getsize(path), "sha256": manifest.file_sha256(path)})
    manifest.write(path, body)
    rows = sum(t["rows"] for t in body["tables"].values())
    progress(f"done: {len(body['tables'])} tables, {rows:,} rows, {body['bytes'] / 1e6:.1f} MB "
             f"in {body['seconds']:.1f}s, sha256 {body['sha256'][:16]}…"
             + (f", binlog {body['binlog']['file']}:{body['binlog']['pos']}" if body.get("binlog") else ""))
    return path, body


def parse_until(value):
    """A moment for --until: ISO 8601 with an offset, or naive = this machine's local time."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise BackupError(f"--until {value!r} is not a date and time such as \"2026-08-01 14:03:00\"") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the operator's wall clock, as mariadb-binlog reads it
    return moment


def restore(url, snapshot, force=False, until=None, progress=print):
    """Restore ``snapshot`` into ``url``'s database; with ``until``, roll forward to that moment."""
    kind = engine_of(url)
    body = manifest.read(snapshot)
    if body["engine"] != kind:
        raise BackupError(f"this is a {body['engine']} snapshot; the ini points at a {kind} database")
    if until is not None and kind != "mariadb":
        raise BackupError("point-in-time recovery needs MariaDB's binary logs; a SQLite snapshot restores as it is")
    moment = parse_until(until) if until is not None else None
    if moment is not None and moment.astimezone(datetime.timezone.utc).strftime(manifest.STAMP) < body["taken_at"]:
        raise BackupError(f"--until {until} is before the snapshot was taken ({body['taken_at']}): "
                          "pick an older snapshot")
    started = time.monotonic()
    progress(f"restoring {snapshot} (taken {body['taken_at']}, schema {body['schema_revision']})")
    if kind == "sqlite":
        revision, tables = sqlite.restore(url, snapshot, force, progress)
    else:
        mariadb.prepare_empty(mariadb.Target(url), force)
        mariadb.load(url, snapshot, progress)
        tables = mariadb.dumped_tables(url)
        revision = body["schema_revision"]  # the dump carries alembic_version; its digest is checked below
    problems = manifest.compare(body["tables"], tables)
    if revision != body["schema_revision"]:
        problems.append(f"schema revision {revision}, the snapshot had {body['schema_revision']}")
    if problems:
        raise BackupError("the restored database does not match the manifest:\n  " + "\n  ".join(problems))
    rows = sum(t["rows"] for t in tables.values())
    progress(f"snapshot restored and checked: {len(tables)} tables, {rows:,} rows match the manifest")
    if moment is not None:
        folder = os.path.join(os.path.dirname(os.path.abspath(snapshot)), BINLOG_FOLDER)
        mariadb.replay(url, body, folder, moment, progress)
        progress(f"rolled forward to {moment.isoformat()}")
    progress(f"restore finished in {time.monotonic() - started:.1f}s")
    return body


def prune(folder, keep, progress=print):
    """Keep the newest ``keep`` snapshots; delete older ones and the binlogs none of the kept need."""
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    found = manifest.snapshots(folder)
    removed = found[:-keep] if len(found) > keep else []
    for path in removed:
        for victim in (path, manifest.manifest_path(path)):
            if os.path.exists(victim):
                os.unlink(victim)
        progress(f"removed {os.path.basename(path)}")
    kept = found[len(removed):]
    oldest = None
    for path in kept:
        try:
            oldest = manifest.read(path).get("binlog")
        except BackupError:
            oldest = None
        break
    binlogs = os.path.join(folder, BINLOG_FOLDER)
    if oldest and os.path.isdir(binlogs):
        needed = set(mariadb.binlog_files(binlogs, oldest["file"]))
        stem = oldest["file"].rpartition(".")[0]
        for name in sorted(os.listdir(binlogs)):
            path = os.path.join(binlogs, name)
            if name.rpartition(".")[0] == stem and path not in needed:
                os.unlink(path)
                progress(f"removed binlog {name} (older than every kept snapshot)")
    return removed
