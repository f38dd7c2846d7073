"""olympix backup / restore: snapshots taken while selling, restores checked against their manifest."""
import gzip
import json
import os

import pytest
from sqlalchemy import create_engine, text

from olympix.backup import manifest
from olympix.scripts.db import upgrade

from .conftest import Shop, consistent, digests, ini_for


@pytest.fixture
def sqlite_shop(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    upgrade(url)
    shop = Shop(url)
    yield url, shop
    shop.close()


def test_sqlite_snapshot_while_selling_then_restore(tmp_path, sqlite_shop, olympix_cli):
    url, shop = sqlite_shop
    shop.sell(20)
    ini = ini_for(tmp_path, url)
    halt = shop.selling(seconds=20)
    try:
        status, out, err = olympix_cli("backup", ini, "--to", str(tmp_path / "snaps"))
    finally:
        halt()
    assert status == 0, err
    snapshot = out.strip()
    assert os.path.basename(snapshot).startswith("olympix-") and snapshot.endswith(".sqlite.gz")
    assert "copied 100%" in err and "done:" in err  # progress, then the summary
    body = json.loads(open(manifest.manifest_path(snapshot)).read())
    assert body["engine"] == "sqlite" and body["schema_revision"] and body["sha256"] == manifest.file_sha256(snapshot)
    assert body["tables"]["visits"]["rows"] >= 20
    target = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    status, _out, err = olympix_cli("restore", ini_for(tmp_path, target, "target.ini"), "--from", snapshot)
    assert status == 0, err
    assert "match the manifest" in err
    ok, counts = consistent(target)
    assert ok, counts  # one consistent moment, though sales went on during the copy
    assert digests(target) == {k: v for k, v in body["tables"].items()}
    # a second restore into the now non-empty database is refused, unless --force
    status, _out, err = olympix_cli("restore", ini_for(tmp_path, target, "target.ini"), "--from", snapshot)
    assert status == 2 and "not empty" in err and "--force" in err
    status, _out, err = olympix_cli("restore", ini_for(tmp_path, target, "target.ini"), "--from", snapshot, "--force")
    assert status == 0, err


def test_damaged_or_orphan_snapshot_is_refused(tmp_path, sqlite_shop, olympix_cli):
    url, shop = sqlite_shop
    ini = ini_for(tmp_path, url)
    status, out, _err = olympix_cli("backup", ini, "--to", str(tmp_path / "snaps"))
    snapshot = out.strip()
    target_ini = ini_for(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite'}", "r.ini")
    with open(snapshot, "r+b") as fh:
        fh.seek(40)
        fh.write(b"\x00garbage")
    status, _out, err = olympix_cli("restore", target_ini, "--from", snapshot)
    assert status == 2 and "damaged" in err
    os.unlink(manifest.manifest_path(snapshot))
    status, _out, err = olympix_cli("restore", target_ini, "--from", snapshot)
    assert status == 2 and "manifest" in err and "missing" in err
    status, _out, err = olympix_cli("restore", target_ini, "--from", str(tmp_path / "nothing.sql.gz"))
    assert status == 2 and "no such snapshot" in err
    status, _out, err = olympix_cli("restore", target_ini, "--from", __file__)
    assert status == 2 and "not an olympix snapshot" in err
    assert "Traceback" not in err


def test_keep_prunes_the_oldest_snapshots(tmp_path, sqlite_shop, olympix_cli):
    url, _shop = sqlite_shop
    folder = tmp_path / "snaps"
    folder.mkdir()
    for stamp in ("20260801T120000Z", "20260801T120500Z", "20260801T121000Z"):
        (folder / f"olympix-{stamp}.sqlite.gz").write_bytes(gzip.compress(b"old"))
        (folder / f"olympix-{stamp}.json").write_text("{}")
    status, out, err = olympix_cli("backup", ini_for(tmp_path, url), "--to", str(folder), "--keep", "2")
    assert status == 0, err
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([f"olympix-20260801T121000Z.json", "olympix-20260801T121000Z.sqlite.gz",
                           os.path.basename(out.strip()), os.path.basename(manifest.manifest_path(out.strip()))])
    assert "removed olympix-20260801T120000Z.sqlite.gz" in err


def test_until_needs_mariadb_and_bad_dates_are_explained(tmp_path, sqlite_shop, olympix_cli):
    url, _shop = sqlite_shop
    ini = ini_for(tmp_path, url)
    _status, out, _err = olympix_cli("backup", ini, "--to", str(tmp_path / "snaps"))
    target_ini = ini_for(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite'}", "r.ini")
    status, _out, err = olympix_cli("restore", target_ini, "--from", out.strip(), "--until", "2026-08-01 14:03:00")
    assert status == 2 and "binary logs" in err
    status, _out, err = olympix_cli("backup", ini, "--to", str(tmp_path / "s2"), "--keep", "0")
    assert status == 2 and "--keep" in err


@pytest.mark.mariadb
def test_mariadb_snapshot_while_selling_then_restore_into_a_fresh_database(tmp_path, mariadb, olympix_cli):
    from tests.conftest import clean_database

    engine = create_engine(mariadb)
    clean_database(engine)
    shop = Shop(mariadb)
    fresh_name = f"olympix_restore_{os.getpid()}"
    server = create_engine("mysql+pymysql://root@127.0.0.1:3306/", isolation_level="AUTOCOMMIT")
    try:
        shop.sell(30)
        halt = shop.selling(seconds=20)
        try:
            status, out, err = olympix_cli("backup", ini_for(tmp_path, mariadb), "--to", str(tmp_path / "snaps"))
        finally:
            halt()
        assert status == 0, err
        snapshot = out.strip()
        assert snapshot.endswith(".sql.gz") and "table" in err and "done:" in err
        body = manifest.read(snapshot)
        assert body["engine"] == "mariadb" and body["schema_revision"] and body["tables"]["visits"]["rows"] >= 30
        with gzip.open(snapshot, "rt") as fh:
            assert "SET character_set_client" in fh.read(20000)  # a plain SQL dump, readable by mariadb
        target = mariadb.rsplit("/", 1)[0] + f"/{fresh_name}?charset=utf8mb4"
        status, _out, err = olympix_cli("restore", ini_for(tmp_path, target, "t.ini"), "--from", snapshot)
        assert status == 0, err
        ok, counts = consistent(target)
        assert ok, counts  # --single-transaction: one moment, while the seller kept committing
        assert digests(target)["visits"]["rows"] == body["tables"]["visits"]["rows"]
        status, _out, err = olympix_cli("restore", ini_for(tmp_path, target, "t.ini"), "--from", snapshot)
        assert status == 2 and "not empty" in err
    finally:
        shop.close()
        clean_database(engine)
        engine.dispose()
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {fresh_name}"))
        server.dispose()
