"""SQLite snapshots with the online backup API (the site keeps writing meanwhile).

The backup API copies pages in steps and starts over by itself when another
connection writes between two steps, so the copy is one consistent state.
The manifest's row counts and digests are read from that copy.
"""
import gzip
import os
import shutil
import sqlite3
import tempfile
import time

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from . import BackupError
from .manifest import schema_revision, table_digests

PAGES_PER_STEP = 256


def database_file(url):
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError(f"{url} is not a SQLite file")
    return path


def describe(path):
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return schema_revision(conn), table_digests(conn)
    finally:
        engine.dispose()


def _copy(source, destination, progress=None, what="copied"):
    def step(_status, remaining, total):
        if progress and total:
            progress(f"  {what} {(total - remaining) * 100 // total:>3}% ({total} pages)")

    src = sqlite3.connect(source)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst, pages=PAGES_PER_STEP, progress=step)
    finally:
        dst.close()
        src.close()


def snapshot(url, path, progress=None):
    source = database_file(url)
    if not os.path.isfile(source):
        raise BackupError(f"no such SQLite database: {source}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(path))) as work:
        copy = os.path.join(work, "copy.sqlite")
        _copy(source, copy, progress)
        revision, tables = describe(copy)
        tmp = path + ".partial"
        with open(copy, "rb") as fh, gzip.open(tmp, "wb", compresslevel=6) as out:
            shutil.copyfileobj(fh, out, 1 << 20)
        os.replace(tmp, path)
    return {"engine": "sqlite", "database": os.path.basename(source), "schema_revision": revision,
            "tables": tables, "digest": "rows", "binlog": None,
            "seconds": round(time.monotonic() - started, 3)}


def is_empty(path):
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return True
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
    finally:
        conn.close()


def restore(url, snapshot_file, force, progress=None):
    target = database_file(url)
    if not is_empty(target) and not force:
        raise BackupError(f"the database {target} is not empty: restore into an empty database, "
                          "or pass --force to replace its contents")
    folder = os.path.dirname(os.path.abspath(target))
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        copy = os.path.join(work, "restore.sqlite")
        with gzip.open(snapshot_file, "rb") as fh, open(copy, "wb") as out:
            shutil.copyfileobj(fh, out, 1 << 20)
        # Through the backup API too, so a server holding the file open sees
        # the new contents instead of a file swapped under it.
        _copy(copy, target, progress, what="restored")
    return describe(target)
