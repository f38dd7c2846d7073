"""Backups: consistent snapshots while the site sells, restores, point-in-time recovery.

- ``snapshot``: one file named by time (``olympix-20260801T140300Z.sql.gz``
  or ``.sqlite.gz``) and its manifest (``olympix-20260801T140300Z.json``:
  the file's SHA-256, the schema revision, rows and a digest per table, and
  on MariaDB the binary-log position the snapshot corresponds to).
- ``restore``: into an empty database (or emptied with ``force``), then the
  restored rows are checked against the manifest; with ``until``, the
  binary logs streamed next to the snapshots are replayed up to that moment.
- ``prune``: keep the newest N snapshots (and the binary logs they need).

MariaDB goes through its own tools (mariadb-dump, mariadb, mariadb-binlog);
SQLite through its online backup API. See docs/deployment.md.
"""


class BackupError(Exception):
    """A clear message for the operator (the command prints it and exits non-zero)."""
