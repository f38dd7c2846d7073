"""Issue 15.2: nobody takes an account before or after its owner activates it.

A second sign-up for a pending address replaces the first one's password
and names; activation signs in only the session that set the password being
activated; a forgotten password is reset with a single-use code.
"""
import webtest
from sqlalchemy import select

from olympix.models import User, VerificationCode

from .helpers import code_in, sign_in, sign_up, submit

VICTIM = "victim@example.test"


def last_code(mailbox, address):
    messages = mailbox.to(address)
    assert messages, f"no mail for {address}"
    return code_in(mailbox.text(messages[-1]))


def other_client(app):
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})


def test_a_later_sign_up_replaces_the_pending_password_and_names(app, testapp, mailbox, clock, dbsession):
    attacker = other_client(app)
    sign_up(attacker, email=VICTIM, password="attacker knows this one", last_name="Mallory", first_name="M")
    clock.advance(seconds=61)
    page = sign_up(testapp, email=VICTIM, password="only the owner knows").follow()
    page = submit(page, code=last_code(mailbox, VICTIM)).follow()
    assert "Votre compte est actif" in page
    user = dbsession.scalar(select(User).where(User.email == VICTIM))
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert sign_in(other_client(app), VICTIM, "attacker knows this one").status_int == 200  # refused
    assert sign_in(other_client(app), VICTIM, "only the owner knows").status_int == 303


def test_activation_does_not_sign_in_a_password_set_by_someone_else(app, testapp, mailbox, clock, dbsession):
    page = sign_up(testapp, email=VICTIM, password="only the owner knows").follow()
    clock.advance(seconds=61)
    attacker = other_client(app)
    sign_up(attacker, email=VICTIM, password="attacker knows this one")
    # The owner types the newest code (the attacker's sign-up sent it to the owner's box).
    page = submit(page, code=last_code(mailbox, VICTIM))
    assert page.status_int == 200 and "Inscrivez-vous à nouveau" in page
    dbsession.rollback()
    assert dbsession.scalar(select(User.state).where(User.email == VICTIM)) == "pending"
    # Signing up again takes the account back.
    clock.advance(seconds=61)
    page = sign_up(testapp, email=VICTIM, password="only the owner knows").follow()
    assert "Votre compte est actif" in submit(page, code=last_code(mailbox, VICTIM)).follow()
    assert sign_in(other_client(app), VICTIM, "attacker knows this one").status_int == 200


def test_a_code_mailed_before_the_replacement_no_longer_works(app, testapp, mailbox, clock):
    sign_up(other_client(app), email=VICTIM, password="attacker knows this one")
    first = last_code(mailbox, VICTIM)
    page = sign_up(testapp, email=VICTIM, password="only the owner knows").follow()  # within the minute
    page = submit(page, code=first)
    assert page.status_int == 200 and "Votre compte est actif" not in page


def test_the_sign_in_page_offers_a_password_reset(testapp):
    page = testapp.get("/account/@@login")
    assert "Mot de passe oublié ?" in page
    page = page.click("Mot de passe oublié ?")
    assert page.forms["form"]


def reset(testapp, email):
    page = testapp.get("/account/@@forgot")
    return submit(page, email=email)


def test_password_reset_with_a_code_ends_every_other_session(app, testapp, make_user, mailbox, dbsession):
    make_user(VICTIM)
    elsewhere = other_client(app)
    sign_in(elsewhere, VICTIM)
    assert elsewhere.get("/account/").status_int == 200
    page = reset(testapp, VICTIM)
    assert page.status_int == 303 and page.location.endswith("/account/@@reset")
    page = page.follow()
    assert "trop courant" in submit(page, code=last_code(mailbox, VICTIM), new_password="password123")
    page = submit(page, code=last_code(mailbox, VICTIM), new_password="a fresh passphrase").follow()
    assert testapp.get("/account/").status_int == 200  # this browser is signed in
    assert elsewhere.get("/account/").status_int == 303  # the other one is not
    assert sign_in(other_client(app), VICTIM).status_int == 200
    assert sign_in(other_client(app), VICTIM, "a fresh passphrase").status_int == 303
    assert dbsession.scalar(select(VerificationCode.used_at).where(VerificationCode.purpose == "reset"))


def test_password_reset_does_not_tell_whether_an_account_exists(testapp, make_user, mailbox):
    make_user(VICTIM)
    known = reset(testapp, VICTIM).follow().text.replace(VICTIM, "X")
    testapp.reset()
    unknown = reset(testapp, "nobody@example.test").follow().text.replace("nobody@example.test", "X")
    assert known.count("X") == unknown.count("X") == 1
    assert mailbox.to(VICTIM) and not mailbox.to("nobody@example.test")


def test_reset_code_is_single_use_throttled_and_void_after_five_tries(testapp, make_user, mailbox, clock):
    make_user(VICTIM)
    page = reset(testapp, VICTIM).follow()
    reset(testapp, VICTIM)  # a second request within the minute sends nothing
    assert len(mailbox.to(VICTIM)) == 1
    good = last_code(mailbox, VICTIM)
    wrong = "222222" if good != "222222" else "333333"
    for _ in range(5):
        page = submit(page, code=wrong, new_password="a fresh passphrase")
    assert "plus valable" in page
    assert "plus valable" in submit(page, code=good, new_password="a fresh passphrase")
    clock.advance(seconds=61)
    page = reset(testapp, VICTIM).follow()
    page = submit(page, code=last_code(mailbox, VICTIM), new_password="a fresh passphrase")
    assert page.status_int == 303


def test_sign_up_refuses_the_demo_password_the_address_and_the_names(testapp, dbsession):
    for password in ("olympix2024", "victim@example.test", "LovelaceAda1", "aaaaaaaa"):
        page = sign_up(testapp, email=VICTIM, password=password)
        assert page.status_int == 200 and "choisissez-en un autre" in page, password
    assert dbsession.scalar(select(User)) is None


def test_a_new_password_must_not_be_the_persons_own_words(app, testapp, make_user, mailbox):
    make_user(VICTIM)
    sign_in(testapp, VICTIM)
    page = testapp.get("/account/@@password")
    assert "trop proche" in submit(page, current_password="correct horse battery", new_password="Lovelace1815")
    testapp.reset()
    page = reset(testapp, VICTIM).follow()
    code = last_code(mailbox, VICTIM)
    assert "trop proche" in submit(page, code=code, new_password="victim@example.test")
    refused = submit(page, code=code, new_password="Ada Lovelace 1815")
    assert "trop proche" in refused
    # the refused password did not spend the code
    assert submit(page, code=code, new_password="a fresh passphrase").status_int == 303


def wrong_code_answers(testapp, page, tries=6, **fields):
    answers = []
    for _ in range(tries):
        answer = submit(page, code="222222", **fields)
        answers.append("pas le bon" if "pas le bon" in answer else "plus valable" if "plus valable" in answer else "?")
    return answers


def test_a_wrong_reset_code_answers_alike_whether_or_not_the_account_exists(app, testapp, make_user, mailbox):
    make_user(VICTIM)
    known = wrong_code_answers(testapp, reset(testapp, VICTIM).follow(), new_password="a fresh passphrase")
    stranger = other_client(app)
    unknown = wrong_code_answers(stranger, reset(stranger, "nobody@example.test").follow(),
                                 new_password="a fresh passphrase")
    assert known == unknown == ["pas le bon"] * 4 + ["plus valable"] * 2


def test_a_wrong_activation_code_answers_alike_for_an_active_account_and_a_new_one(app, testapp, make_user):
    make_user(VICTIM)
    existing = wrong_code_answers(testapp, sign_up(testapp, email=VICTIM).follow())
    fresh = other_client(app)
    new = wrong_code_answers(fresh, sign_up(fresh, email="new@example.test").follow())
    assert existing == new == ["pas le bon"] * 4 + ["plus valable"] * 2
