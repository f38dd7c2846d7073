"""Servers the fault tests start for themselves, and stop even when a test fails.

A fault test kills or restarts only what it started: a private mariadbd on
free ports with its own data directory, a Galera cluster of its own, never
the machine's shared MariaDB. Missing programs skip the test on a laptop
and fail it in CI (OLYMPIX_REQUIRE_MARIADB=1), like MariaDB itself.
"""
import atexit
import os
import shutil
import signal
import tempfile

import pytest

from olympix.cluster.layout import free_ports
from olympix.cluster.mariadbd import MissingTool, Server, find
from tests.conftest import REQUIRE_MARIADB

_cleanups = []


def need(*tools):
    """Skip (or fail, in CI) unless every (program, Debian package) pair is installed."""
    for name, package in tools:
        try:
            if name.startswith("/"):
                if not os.path.exists(name):
                    raise MissingTool(f"{name} is missing (Debian package {package})")
            else:
                find(name, package)
        except MissingTool as exc:
            if REQUIRE_MARIADB:
                pytest.fail(f"{exc}; ./run setup-cluster installs it")
            pytest.skip(f"{exc}; ./run setup-cluster installs it")


def private_folder(prefix):
    """A folder under /tmp the mysql user can enter (pytest's tmp_path is root's 0700)."""
    folder = tempfile.mkdtemp(prefix=f"olympix-{prefix}-")
    os.chmod(folder, 0o755)
    return folder


def remove_folder(folder):
    shutil.rmtree(folder, ignore_errors=True)


def on_exit(fn):
    """Also run ``fn`` at interpreter exit (a test run interrupted between setup and teardown)."""
    _cleanups.append(fn)
    return fn


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # so that the atexit clean-up below runs on SIGTERM too


if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _terminate)


@atexit.register
def _last_resort():
    for fn in reversed(_cleanups):
        try:
            fn()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


class PrivateServer:
    """A mariadbd of the test's own (binary log on), stopped and removed on exit."""

    def __init__(self, prefix="mariadb"):
        need(("mariadbd", "mariadb-server"), ("mariadb-install-db", "mariadb-server"))
        self.folder = private_folder(prefix)
        self.server = Server(os.path.join(self.folder, "server"), free_ports(1)[0], name="server")
        on_exit(self.close)

    def __enter__(self):
        try:
            self.server.prepare()
            self.server.start()
            self.server.wait_ready(60)
        except BaseException:
            self.close()
            raise
        return self.server

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.server.kill()  # a test server holds nothing worth a clean shutdown
        finally:
            remove_folder(self.folder)

    def url(self, database):
        return f"mysql+pymysql://root@127.0.0.1:{self.server.port}/{database}?charset=utf8mb4"
