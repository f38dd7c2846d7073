"""Snapshot names, manifests, and digests of table contents.

A manifest is a JSON file beside its snapshot. It says what the snapshot
holds (rows and a digest per table, schema revision) so a restore can prove
it put back exactly that, and, on MariaDB, where in the binary logs the
snapshot stands, so a point-in-time recovery knows where to start.
"""
import datetime
import glob
import hashlib
import json
import os
import re

from sqlalchemy import MetaData, select, text

from . import BackupError

PREFIX = "olympix-"
STAMP = "%Y%m%dT%H%M%SZ"
NAME = re.compile(r"^olympix-(\d{8}T\d{6}Z)\.(sql\.gz|sqlite\.gz)$")
FORMAT = 1


def stamp(now=None):
    return (now or datetime.datetime.now(datetime.timezone.utc)).strftime(STAMP)


def snapshot_path(folder, when, extension):
    return os.path.join(folder, f"{PREFIX}{when}.{extension}")


def manifest_path(snapshot):
    match = NAME.match(os.path.basename(snapshot))
    if not match:
        raise BackupError(f"{snapshot} is not an olympix snapshot (olympix-YYYYMMDDTHHMMSSZ.sql.gz or .sqlite.gz)")
    return os.path.join(os.path.dirname(snapshot), f"{PREFIX}{match.group(1)}.json")


def snapshots(folder):
    """The snapshots in ``folder``, oldest first (names sort by time)."""
    found = [p for p in glob.glob(os.path.join(folder, PREFIX + "*")) if NAME.match(os.path.basename(p))]
    return sorted(found, key=os.path.basename)


def file_sha256(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def write(snapshot, manifest):
    path = manifest_path(snapshot)
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)  # a manifest exists only for a finished snapshot
    return path


def read(snapshot):
    """The manifest of ``snapshot``, after checking the snapshot's SHA-256."""
    if not os.path.isfile(snapshot):
        raise BackupError(f"no such snapshot: {snapshot}")
    path = manifest_path(snapshot)
    try:
        with open(path) as fh:
            manifest = json.load(fh)
    except FileNotFoundError:
        raise BackupError(f"the manifest {path} is missing: the snapshot is incomplete or was moved alone") from None
    except ValueError:
        raise BackupError(f"the manifest {path} is not valid JSON") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown manifest format {manifest.get('format')!r}")
    actual = file_sha256(snapshot)
    if actual != manifest.get("sha256"):
        raise BackupError(f"{snapshot} is damaged: its SHA-256 is {actual}, the manifest says {manifest.get('sha256')}")
    return manifest


def schema_revision(connection):
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - a database without migrations has no revision
        connection.rollback()
        return None


def _normal(value):
    """One spelling per value on both engines (bytes as hex, times in ISO)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def table_digests(connection):
    """{table: {"rows": n, "sha256": digest of its rows in primary-key order}}.

    The same on SQLite and MariaDB for the same data, so tests and restores
    compare databases without trusting the tool that copied them.
    """
    metadata = MetaData()
    metadata.reflect(connection)
    result = {}
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        order = list(table.primary_key.columns) or list(table.columns)
        digest, rows = hashlib.sha256(), 0
        for row in connection.execute(select(table).order_by(*order)):
            digest.update(json.dumps([_normal(v) for v in row], default=str).encode())
            digest.update(b"\n")
            rows += 1
        result[table.name] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


def compare(expected, actual):
    """Differences between two {table: {rows, sha256}} maps, as readable lines."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if want is None:
            problems.append(f"table {name}: not in the snapshot")
        elif got is None:
            problems.append(f"table {name}: missing after the restore")
        elif want["rows"] != got["rows"]:
            problems.append(f"table {name}: {got['rows']} rows, the snapshot had {want['rows']}")
        elif want["sha256"] != got["sha256"]:
            problems.append(f"table {name}: same row count, different contents")
    return problems
