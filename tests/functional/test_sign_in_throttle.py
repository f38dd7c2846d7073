"""Issue 15.4: sign-in throttling per account and per address, on Redis or the database.

Today 60 wrong passwords in 23 s, then the right one, signs in. After 10
failures in 15 minutes for one e-mail (existing or not) sign-in answers
"too many" without hashing anything; 50 failures from one address stop
that address; the "account exists" mail of sign-up goes once an hour.
"""
import pytest
import webtest

from .helpers import sign_in, sign_up

TOO_MANY = "Trop de tentatives"


@pytest.fixture(scope="module")
def redis_app(app_settings, redis_settings):
    """The app with its shared store on Redis (built once: start-up compiles every template)."""
    from olympix import main

    return main({}, **{**app_settings, **redis_settings})


@pytest.fixture(params=["database", "redis"])
def env(request, testapp, clock):
    """(browser, clock) on the app with its shared store on the database (no Redis) or on Redis."""
    if request.param == "database":
        return testapp, clock
    from pyramid.request import Request, apply_request_extensions

    from olympix.interfaces import IClock

    app = request.getfixturevalue("redis_app")
    store = app.registry["olympix.shared_store"]
    for key in store.client.scan_iter(match=store.prefix + "*", count=1000):  # the last test's counts
        store.client.delete(key)
    probe = Request.blank("/")
    probe.registry = app.registry
    apply_request_extensions(probe)
    own_clock = probe.find_service(IClock)
    own_clock.set(clock.now())
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"}), own_clock


def test_ten_failures_lock_the_account_for_a_quarter_of_an_hour(env, make_user):
    client, clock = env
    make_user("ada@example.test")
    for _ in range(10):
        page = sign_in(client, "ada@example.test", "not the password")
        assert "incorrect" in page and TOO_MANY not in page
    page = sign_in(client, "ada@example.test")  # the right password
    assert page.status_int == 200 and TOO_MANY in page
    clock.advance(minutes=15, seconds=1)
    assert sign_in(client, "ada@example.test").status_int == 303


def test_an_unknown_address_gets_the_same_answer(env, make_user):
    client, _clock = env
    make_user("ada@example.test")
    known = [sign_in(client, "ada@example.test", "wrong one").text for _ in range(11)]
    unknown = [sign_in(client, "nobody@example.test", "wrong one").text for _ in range(11)]
    assert TOO_MANY in known[-1] and TOO_MANY in unknown[-1]
    assert [TOO_MANY in t for t in known] == [TOO_MANY in t for t in unknown]
    strip = [t.replace("ada@example.test", "X").replace("nobody@example.test", "X") for t in (known[-1], unknown[-1])]
    csrf = 'name="csrf_token" value="'
    assert [s.split(csrf)[0] for s in strip] == [strip[0].split(csrf)[0]] * 2


def test_a_success_clears_the_account_count(env, make_user):
    client, _clock = env
    make_user("ada@example.test")
    for _ in range(9):
        sign_in(client, "ada@example.test", "not the password")
    assert sign_in(client, "ada@example.test").status_int == 303
    client.reset()
    for _ in range(9):
        assert TOO_MANY not in sign_in(client, "ada@example.test", "not the password")


def test_one_address_trying_many_accounts_is_stopped(env, make_user):
    client, _clock = env
    make_user("ada@example.test")
    for n in range(50):
        sign_in(client, f"guess{n}@example.test", "password guess")
    page = sign_in(client, "ada@example.test")
    assert page.status_int == 200 and TOO_MANY in page
    # another address is not held back
    page = sign_in(client.__class__(client.app, extra_environ={**client.extra_environ,
                                                               "REMOTE_ADDR": "127.0.0.2"}),
                   "ada@example.test")
    assert page.status_int == 303


def test_the_account_exists_mail_goes_once_an_hour(testapp, make_user, mailbox, clock):
    make_user("ada@example.test")
    for _ in range(8):
        sign_up(testapp, password="another good passphrase")
    assert len(mailbox.to("ada@example.test")) == 1
    clock.advance(hours=1, seconds=1)
    sign_up(testapp, password="another good passphrase")
    assert len(mailbox.to("ada@example.test")) == 2


def test_an_older_hash_is_remade_at_the_current_cost_on_sign_in(testapp, make_user, dbsession, app):
    from argon2 import PasswordHasher
    from sqlalchemy import update

    from olympix.models import User

    user_id = make_user("ada@example.test")
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("correct horse battery")
    dbsession.execute(update(User).where(User.id == user_id).values(password_hash=old))
    dbsession.commit()
    assert sign_in(testapp, "ada@example.test").status_int == 303
    dbsession.expire_all()
    dbsession.rollback()
    remade = dbsession.get(User, user_id).password_hash
    assert remade != old and not app.registry["passwords"].needs_rehash(remade)
    assert "m=65536" in old and "m=8," in remade  # the tests' own cost
