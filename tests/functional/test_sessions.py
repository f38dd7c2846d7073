"""Issue 15.3: signing out ends the session, server-side.

A saved cookie stops working after sign-out; a password change, a
deactivation and "sign out everywhere" end every session of the account;
a session lives 12 hours at most however busy; the cookie does not show
who is signed in.
"""
import base64
import json

import webtest

from .helpers import csrf_token, sign_in, submit


def browser(app):
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})


def signed_in(client):
    return client.get("/account/").status_int == 200


def test_a_saved_cookie_no_longer_works_after_sign_out(testapp, make_user):
    make_user("ada@example.test")
    sign_in(testapp, "ada@example.test")
    saved = testapp.cookies["olympix_session"]
    testapp.post("/account/@@logout", {"csrf_token": csrf_token(testapp)})
    assert not signed_in(testapp)
    testapp.set_cookie("olympix_session", saved)
    assert not signed_in(testapp)


def test_sign_out_everywhere_ends_every_session_of_the_account(app, testapp, make_user):
    make_user("ada@example.test")
    make_user("bob@example.test")
    phone, other_person = browser(app), browser(app)
    for client in (testapp, phone):
        sign_in(client, "ada@example.test")
    sign_in(other_person, "bob@example.test")
    home = testapp.get("/account/")
    assert "Se déconnecter partout" in home
    home.forms["sign-out-everywhere"].submit()
    assert not signed_in(testapp) and not signed_in(phone)
    assert signed_in(other_person)
    sign_in(phone, "ada@example.test")
    assert signed_in(phone)  # signing in again works


def test_a_password_change_ends_the_other_sessions_only(app, testapp, make_user):
    make_user("ada@example.test")
    phone = browser(app)
    sign_in(testapp, "ada@example.test")
    sign_in(phone, "ada@example.test")
    page = testapp.get("/account/@@password")
    submit(page, current_password="correct horse battery", new_password="a brand new passphrase")
    assert signed_in(testapp) and not signed_in(phone)


def test_deleting_the_account_ends_its_other_sessions(app, testapp, make_user):
    make_user("ada@example.test")
    phone = browser(app)
    sign_in(testapp, "ada@example.test")
    sign_in(phone, "ada@example.test")
    page = testapp.get("/account/@@delete")
    submit(page, password="correct horse battery", confirm=True)
    assert not signed_in(phone)


def test_a_session_lives_twelve_hours_at_most(testapp, make_user, clock):
    make_user("ada@example.test")
    sign_in(testapp, "ada@example.test")
    for _ in range(11):
        clock.advance(hours=1)
        assert signed_in(testapp)
    clock.advance(minutes=59, seconds=59)
    assert signed_in(testapp)
    clock.advance(seconds=2)
    assert not signed_in(testapp)


def cookie_payload(value):
    """What anyone holding the cookie can read: Pyramid signs it, it does not encrypt it."""
    raw = base64.urlsafe_b64decode(value.strip('"') + "=" * (-len(value.strip('"')) % 4))
    return raw[64:]  # after the HMAC-SHA512 signature


def test_the_cookie_does_not_show_the_user_id(testapp, make_user):
    user_id = make_user("ada@example.test")
    sign_in(testapp, "ada@example.test")
    payload = json.loads(cookie_payload(testapp.cookies["olympix_session"]))
    values = json.dumps(payload[2])
    assert "userid" not in values
    assert f": {user_id}," not in values and f": {user_id}}}" not in values


def test_ended_sessions_are_cleared_at_the_next_sign_in(app, testapp, make_user, clock, dbsession):
    from sqlalchemy import func, select

    from olympix.models import AuthSession

    make_user("ada@example.test")
    for _ in range(3):
        sign_in(browser(app), "ada@example.test")
    clock.advance(hours=13)
    sign_in(testapp, "ada@example.test")
    dbsession.rollback()
    assert dbsession.scalar(select(func.count(AuthSession.id))) == 1
