"""The ``olympix`` command, as an operator runs it."""
import subprocess
import sys

from sqlalchemy import select

from olympix.models import User


def olympix(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "olympix.scripts.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_create_user_makes_an_active_administrator(testapp, ini, dbsession):
    result = olympix("create-user", ini, "--email", "Root@Example.test", "--first-name", "Grace",
                     "--last-name", "Hopper", "--role", "admin", "--password-stdin",
                     stdin="a long admin passphrase\n")
    assert result.returncode == 0, result.stderr
    user = dbsession.scalar(select(User).where(User.email == "root@example.test"))
    assert user.role == "admin" and user.state == "active"
    # and the person can sign in at once
    page = testapp.get("/account/@@login")
    form = page.forms["form"]
    form["email"], form["password"] = "root@example.test", "a long admin passphrase"
    assert form.submit("submit").status_int == 303


def test_create_user_refuses_bad_input_clearly(testapp, ini, dbsession):
    weak = olympix("create-user", ini, "--email", "a@example.test", "--first-name", "A", "--last-name", "B",
                   "--role", "user", "--password-stdin", stdin="password\n")
    assert weak.returncode == 2 and "password" in weak.stderr
    bad_email = olympix("create-user", ini, "--email", "nope", "--first-name", "A", "--last-name", "B",
                        "--role", "user", "--password-stdin", stdin="a long passphrase\n")
    assert bad_email.returncode == 2 and "email" in bad_email.stderr
    assert dbsession.scalar(select(User)) is None


def test_seed_demo_refuses_production(tmp_path):
    result = olympix("seed-demo", "production.ini")
    assert result.returncode == 2
