"""Backup → more sales → restore to a point in time in a fresh database, on a MariaDB of the test's own.

The server has its binary log on (sync_binlog=1, ROW); ``olympix
stream-binlogs`` copies it as it is written, as in production. The data
restored to a moment T equals what was committed up to T: row counts and a
digest per table, compared with what the test read at T.
"""
import datetime
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, text

from olympix.backup.manifest import compare
from olympix.scripts.db import upgrade
from tests.integration.cluster.servers import PrivateServer, need, on_exit, private_folder, remove_folder

from .conftest import Shop, consistent, digests, ini_for

pytestmark = pytest.mark.mariadb


def binlog_caught_up(server, folder, timeout=20):
    """Wait until the streamed copy holds everything the server logged."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        name, position = server.query("SHOW MASTER STATUS")[0][:2]
        local = os.path.join(folder, "binlog", name)
        if os.path.exists(local) and os.path.getsize(local) >= int(position):
            return True
        time.sleep(0.2)
    return False


def test_restore_to_a_point_in_time(database_url, tmp_path, olympix_cli):
    need(("mariadb-dump", "mariadb-client"), ("mariadb-binlog", "mariadb-client"), ("mariadb", "mariadb-client"))
    with PrivateServer("pitr") as server:
        server.query("CREATE DATABASE olympix CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        url = f"mysql+pymysql://root@127.0.0.1:{server.port}/olympix?charset=utf8mb4"
        upgrade(url)
        ini = ini_for(tmp_path, url)
        backups = private_folder("backups")
        on_exit(lambda: remove_folder(backups))
        streamer = subprocess.Popen([sys.executable, "-m", "olympix.scripts.cli", "stream-binlogs", ini,
                                     "--to", backups], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        shop = Shop(url)
        try:
            shop.sell(25)
            halt = shop.selling(seconds=15)
            try:
                status, out, err = olympix_cli("backup", ini, "--to", backups)
            finally:
                halt()
            assert status == 0, err
            snapshot = out.strip()
            assert "binlog binlog." in err  # the position the snapshot stands at
            shop.sell(15)  # more sales after the snapshot: to be replayed
            time.sleep(1.2)  # binlog times have a one-second grain
            until = datetime.datetime.now().astimezone()
            at_until = digests(url)
            time.sleep(1.2)
            shop.sell(10)  # after T: must not come back
            assert binlog_caught_up(server, backups), "the binlog stream fell behind"
            assert streamer.poll() is None, streamer.stderr.read()
        finally:
            streamer.terminate()
            streamer.wait(10)
            shop.close()
        target = f"mysql+pymysql://root@127.0.0.1:{server.port}/olympix_pitr?charset=utf8mb4"
        target_ini = ini_for(tmp_path, target, "pitr.ini")
        status, _out, err = olympix_cli("restore", target_ini, "--from", snapshot, "--until", "yesterday at noon")
        assert status == 2 and "is not a date" in err
        status, _out, err = olympix_cli("restore", target_ini, "--from", snapshot,
                                        "--until", until.strftime("%Y-%m-%d %H:%M:%S"))
        assert status == 0, err
        assert "match the manifest" in err and "replaying" in err
        restored = digests(target)
        assert compare(at_until, restored) == []  # equal to what was committed up to T
        assert consistent(target)[0]
        assert restored["visits"]["rows"] == digests(url)["visits"]["rows"] - 10
        remove_folder(backups)
