"""Accounts through the real forms: sign-up, codes, sign-in, changes, deletion."""
import pytest
from sqlalchemy import select

from olympix.models import AuditEntry, User, VerificationCode

from .helpers import code_in, sign_in, sign_up, submit


def last_mail_code(mailbox, address):
    messages = mailbox.to(address)
    assert messages, f"no mail for {address}"
    return code_in(mailbox.text(messages[-1]))


def test_signup_email_code_activates_and_signs_in(testapp, mailbox, dbsession):
    page = sign_up(testapp)
    assert page.status_int == 303 and page.location.endswith("/account/@@verify")
    page = page.follow()
    assert "ada@example.test" in page
    code = last_mail_code(mailbox, "ada@example.test")
    page = submit(page, code=code.lower()).follow()
    assert "Votre compte est actif" in page
    home = testapp.get("/account/")
    assert "Ada Lovelace" in home
    user = dbsession.scalar(select(User).where(User.email == "ada@example.test"))
    assert user.state == "active" and len(user.user_key) == 61
    # the code is single use
    assert dbsession.scalar(select(VerificationCode.used_at)) is not None


def test_signup_by_sms_uses_the_http_gateway(testapp, sms_outbox, mailbox):
    page = sign_up(testapp, phone="06 12 34 56 78", channel="sms").follow()
    assert len(sms_outbox) == 1 and sms_outbox[0]["to"] == "+33612345678"
    assert not mailbox.to("ada@example.test")
    page = submit(page, code=code_in(sms_outbox[0]["text"])).follow()
    assert "Votre compte est actif" in page


def test_sms_channel_needs_a_phone(testapp, dbsession):
    page = sign_up(testapp, channel="sms")
    assert page.status_int == 200 and "numéro de mobile" in page
    assert dbsession.scalar(select(User)) is None


def test_wrong_code_then_void_after_five_tries(testapp, mailbox):
    page = sign_up(testapp).follow()
    good = last_mail_code(mailbox, "ada@example.test")
    wrong = "222222" if good != "222222" else "333333"
    for _ in range(4):
        page = submit(page, code=wrong)
        assert "pas le bon" in page
    page = submit(page, code=wrong)
    assert "plus valable" in page
    page = submit(page, code=good)
    assert "plus valable" in page  # voided: even the right code fails now


def test_expired_code_is_refused(testapp, mailbox, clock):
    page = sign_up(testapp).follow()
    code = last_mail_code(mailbox, "ada@example.test")
    clock.advance(minutes=10, seconds=1)
    page = submit(page, code=code)
    assert "plus valable" in page


def test_resend_is_throttled_to_one_a_minute(testapp, mailbox, clock):
    page = sign_up(testapp).follow()
    assert len(mailbox.to("ada@example.test")) == 1
    page = page.forms[1].submit().follow()
    assert "attendre une minute" in page
    assert len(mailbox.to("ada@example.test")) == 1
    clock.advance(seconds=61)
    page = page.forms[1].submit().follow()
    assert len(mailbox.to("ada@example.test")) == 2
    first_code = code_in(mailbox.text(mailbox.to("ada@example.test")[0]))
    new_code = last_mail_code(mailbox, "ada@example.test")
    if first_code != new_code:  # the old code no longer works
        refused = submit(page, code=first_code)
        assert refused.status_int == 200 and "pas le bon" in refused
    assert "Votre compte est actif" in submit(page, code=new_code).follow()


def test_signup_does_not_reveal_an_existing_account(testapp, make_user, mailbox, dbsession):
    make_user("ada@example.test")
    page = sign_up(testapp, password="another good passphrase")
    assert page.status_int == 303 and page.location.endswith("/account/@@verify")
    existing_text = page.follow().text.replace("ada@example.test", "X")
    fresh = sign_up(testapp, email="new@example.test")
    fresh_text = fresh.follow().text.replace("new@example.test", "X")
    assert existing_text.count("X") == fresh_text.count("X") == 1
    # the owner is told, and no second account appears
    assert "déjà" in mailbox.text(mailbox.to("ada@example.test")[-1])
    assert len(dbsession.scalars(select(User).where(User.email == "ada@example.test")).all()) == 1


def test_sign_in_and_out(testapp, make_user):
    make_user("ada@example.test")
    page = sign_in(testapp, "ada@example.test")
    assert page.status_int == 303
    assert "Ada Lovelace" in testapp.get("/account/")
    home = testapp.get("/")
    home.forms[0].submit()
    assert testapp.get("/account/").status_int == 303  # back to sign-in


def test_wrong_password_and_unknown_email_get_the_same_answer(testapp, make_user):
    make_user("ada@example.test")
    wrong = sign_in(testapp, "ada@example.test", "not the password")
    unknown = sign_in(testapp, "nobody@example.test", "not the password")
    assert wrong.status_int == unknown.status_int == 200
    assert "incorrect" in wrong and "incorrect" in unknown


def test_session_is_rotated_at_sign_in(testapp, make_user):
    make_user("ada@example.test")
    testapp.get("/account/@@login")
    before = testapp.cookies.get("olympix_session")
    sign_in(testapp, "ada@example.test")
    assert testapp.cookies.get("olympix_session") != before


def test_protected_page_sends_visitors_to_sign_in(testapp):
    page = testapp.get("/account/")
    assert page.status_int == 303 and "/account/@@login" in page.location


def test_profile_and_password_change(testapp, make_user, mailbox):
    make_user("ada@example.test")
    sign_in(testapp, "ada@example.test")
    page = testapp.get("/account/@@profile")
    assert page.html.find("h1").text.strip() == "Mes informations"  # the title in the page's language
    page = submit(page, first_name="Augusta", phone="+44 20 7946 0000").follow()
    assert "Augusta Lovelace" in page and "+442079460000" in page
    page = testapp.get("/account/@@password")
    assert "pas votre mot de passe" in submit(page, current_password="wrong", new_password="a brand new passphrase")
    assert "trop courant" in submit(page, current_password="correct horse battery", new_password="password123")
    submit(page, current_password="correct horse battery", new_password="a brand new passphrase").follow()
    testapp.reset()
    assert sign_in(testapp, "ada@example.test").status_int == 200  # old password refused
    assert sign_in(testapp, "ada@example.test", "a brand new passphrase").status_int == 303


def test_email_change_needs_password_and_code(testapp, make_user, mailbox, dbsession):
    user_id = make_user("ada@example.test")
    sign_in(testapp, "ada@example.test")
    page = testapp.get("/account/@@email")
    assert "pas votre mot de passe" in submit(page, password="wrong", new_email="ada@new.test")
    page = submit(page, password="correct horse battery", new_email="ADA@New.test ").follow()
    assert page.html.find("h1").text.strip() == "Confirmez votre nouvelle adresse"
    assert "Saisissez le code envoyé à ada@new.test." in page.text  # the address filled in
    code = last_mail_code(mailbox, "ada@new.test")
    assert dbsession.get(User, user_id).email == "ada@example.test"  # not yet
    page = submit(page, code=code).follow()
    dbsession.rollback()  # end the snapshot (REPEATABLE READ on MariaDB)
    assert dbsession.get(User, user_id).email == "ada@new.test"
    assert mailbox.to("ada@example.test")  # the old address is told


def test_account_deletion_anonymises(testapp, make_user, dbsession, mailbox):
    user_id = make_user("ada@example.test", phone="+33612345678")
    sign_in(testapp, "ada@example.test")
    page = testapp.get("/account/@@delete")
    assert "non utilisés" in page  # said before confirming
    page = submit(page, password="correct horse battery")  # box not ticked
    assert page.status_int == 200 and "Cochez" in page
    page = submit(page, password="correct horse battery", confirm=True)
    assert page.status_int == 303
    user = dbsession.get(User, user_id)
    assert user.state == "deleted" and user.first_name == "" and user.phone is None
    assert "ada@example.test" not in user.email
    entry = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert entry.actor_id == user_id and entry.target_id == str(user_id)
    assert sign_in(testapp, "ada@example.test").status_int == 200


def test_same_page_in_french_and_english(testapp):
    fr = testapp.get("/account/@@signup")
    assert "Créer mon compte" in fr and 'lang="fr"' in fr
    en = testapp.get("/account/@@signup", headers={"Accept-Language": "en"})
    assert "Create my account" in en and 'lang="en"' in en
    # the chosen language is remembered over the browser's
    testapp.get("/@@lang", params={"l": "en", "next": "/account/@@signup"})
    assert "Create my account" in testapp.get("/account/@@signup")


@pytest.mark.parametrize("fields, message", [
    ({"email": "not-an-email"}, "adresse e-mail valide"),
    ({"last_name": ""}, "Requis"),
    ({"first_name": "x" * 101}, "100"),
    ({"email": "a" * 250 + "@example.test"}, "254"),
    ({"password": "short"}, "8 caractères"),
    ({"password": "x" * 200}, "128"),
    ({"phone": "12"}, "numéro"),
])
def test_bad_signup_input_comes_back_with_field_errors(testapp, dbsession, fields, message):
    page = sign_up(testapp, **fields)
    assert page.status_int == 200
    assert message in page
    assert dbsession.scalar(select(User)) is None


def test_bad_csrf_token_is_a_400_and_changes_nothing(testapp, dbsession):
    page = testapp.get("/account/@@signup")
    form = page.forms["form"]
    form["csrf_token"] = "forged"
    for name, value in {"last_name": "L", "first_name": "F", "email": "f@example.test",
                        "password": "correct horse battery"}.items():
        form[name] = value
    response = form.submit("submit", status=400)
    assert "expiré" in response
    assert dbsession.scalar(select(User)) is None


def test_wrong_types_never_500(testapp, dbsession):
    page = testapp.get("/account/@@signup")
    token = page.forms["form"]["csrf_token"].value
    response = testapp.post("/account/@@signup", {"csrf_token": token, "email": ["a", "b"],
                                                  "__start__": "x", "channel": "pigeon"})
    assert response.status_int in (200, 400)
    assert dbsession.scalar(select(User)) is None
