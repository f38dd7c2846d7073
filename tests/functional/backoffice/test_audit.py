"""The audit log: its page (administrators) and ``olympix audit verify``.

Changing or removing a row in the database breaks the hash chain; the
command names the first broken entry and exits 1.
"""
import subprocess
import sys

import pytest
from pyramid.scripting import prepare
from sqlalchemy import text

from olympix.services import audit


def olympix(*args):
    return subprocess.run([sys.executable, "-m", "olympix.scripts.cli", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def entries(app, testapp):
    """Five entries appended through services.audit.record."""
    env = prepare(registry=app.registry)
    request = env["request"]
    try:
        with request.tm:
            for n in range(1, 6):
                audit.record(request, "role.change" if n % 2 else "order.refund", "user", n, old="user",
                             new=f"editor-{n}")
    finally:
        env["closer"]()


def test_verify_reports_an_intact_log(ini, entries):
    result = olympix("audit", "verify", ini)
    assert result.returncode == 0, result.stderr
    assert "audit log intact: 5 entries" in result.stdout


def test_verify_names_an_edited_entry(ini, entries, db_engine):
    with db_engine.begin() as conn:
        entry_id = conn.execute(text("SELECT id FROM audit_log WHERE seq = 3")).scalar()
        conn.execute(text("UPDATE audit_log SET details = :d WHERE seq = 3"), {"d": '{"new": "admin"}'})
    result = olympix("audit", "verify", ini)
    assert result.returncode == 1
    assert "seq 3" in result.stderr and f"id {entry_id}" in result.stderr and "role.change" in result.stderr
    assert "content changed" in result.stderr


def test_verify_names_a_removed_entry(ini, entries, db_engine):
    with db_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    result = olympix("audit", "verify", ini)
    assert result.returncode == 1
    assert "seq 2" in result.stderr and "missing" in result.stderr


def printed_head(result):
    """The ``SEQ:HASH`` that ``audit verify`` prints for ``--expect-head``."""
    return result.stdout.split("--expect-head ")[1].split()[0]


def test_verify_prints_the_head_and_an_intact_log_reaches_it(ini, entries, db_engine):
    result = olympix("audit", "verify", ini)
    assert result.returncode == 0, result.stderr
    with db_engine.connect() as conn:
        digest = conn.execute(text("SELECT entry_hash FROM audit_log WHERE seq = 5")).scalar()
    assert f"audit log intact: 5 entries, head #5 sha256 {digest}" in result.stdout
    assert printed_head(result) == f"5:{digest}"
    again = olympix("audit", "verify", ini, "--expect-head", f"5:{digest}")
    assert again.returncode == 0, again.stderr
    assert "intact: 5 entries" in again.stdout


def test_verify_passes_when_the_log_grew_past_the_expected_head(ini, entries, app):
    noted = printed_head(olympix("audit", "verify", ini))
    env = prepare(registry=app.registry)
    request = env["request"]
    try:
        with request.tm:
            audit.record(request, "order.refund", "order", "R9")
    finally:
        env["closer"]()
    result = olympix("audit", "verify", ini, "--expect-head", noted)
    assert result.returncode == 0, result.stderr
    assert "intact: 6 entries, head #6" in result.stdout


def test_expect_head_detects_the_removal_of_the_last_entries(ini, entries, db_engine):
    noted = printed_head(olympix("audit", "verify", ini))
    with db_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
    assert olympix("audit", "verify", ini).returncode == 0  # the chain alone cannot see it
    result = olympix("audit", "verify", ini, "--expect-head", noted)
    assert result.returncode == 1
    assert "head #5 is missing" in result.stderr and "ends at #3" in result.stderr
    assert "#4 to #5 were removed" in result.stderr


def test_expect_head_detects_a_rewritten_tail(ini, entries, app, db_engine):
    noted = printed_head(olympix("audit", "verify", ini))
    with db_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    env = prepare(registry=app.registry)
    request = env["request"]
    try:
        with request.tm:  # a valid new entry #5 in place of the removed one
            audit.record(request, "order.refund", "order", "forged")
    finally:
        env["closer"]()
    result = olympix("audit", "verify", ini, "--expect-head", noted)
    assert result.returncode == 1
    assert "head #5" in result.stderr and "differs" in result.stderr


def test_expect_head_rejects_a_malformed_value(ini, entries):
    result = olympix("audit", "verify", ini, "--expect-head", "five")
    assert result.returncode == 2 and "SEQ:HASH" in result.stderr


def test_verify_on_an_empty_log(ini, testapp):
    result = olympix("audit", "verify", ini)
    assert result.returncode == 0 and "intact: 0 entries" in result.stdout


def test_audit_page_paginates_filters_and_verifies(client_as, app, db_engine):
    env = prepare(registry=app.registry)
    request = env["request"]
    try:
        with request.tm:
            for n in range(1, 61):
                audit.record(request, "order.refund" if n % 3 else "role.change", "order", f"R{n:04d}")
    finally:
        env["closer"]()
    admin = client_as("admin")
    first = admin.get("/backoffice/audit")
    assert "R0060" in first and "R0010" not in first  # newest first, 50 a page
    second = admin.get("/backoffice/audit?page=2")
    assert "R0010" in second and "R0060" not in second
    only = admin.get("/backoffice/audit?action=role.change")
    assert "R0003" in only and "R0001" not in only
    assert admin.get("/backoffice/audit?action=nope&page=x").status_int == 200
    assert "intact" in admin.get("/backoffice/audit?verify=1")
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET target_id = 'X' WHERE seq = 7"))
    broken = admin.get("/backoffice/audit?verify=1")
    assert "7" in broken.html.find(class_="flash-error").text
