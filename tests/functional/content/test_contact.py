"""The contact form: stored, e-mailed to support, acknowledged; rate limited; spam-resistant."""
from sqlalchemy import func, select

from olympix.models import ContactMessage

MESSAGE = "Bonjour, mon fils est en fauteuil : comment accéder au stade ?"


def fill(testapp, clock, wait=5, ip="192.0.2.10", **fields):
    page = testapp.get("/contact", extra_environ={"REMOTE_ADDR": ip})
    form = page.forms["form"]
    values = {"subject": "accessibility", "message": MESSAGE, "email": "marie@example.test"}
    values.update(fields)
    for name, value in values.items():
        if name == "subject":
            form[name].force_value(value)  # lets a test send what no option offers
        else:
            form[name] = value
    clock.advance(seconds=wait)
    return form.submit("submit", extra_environ={"REMOTE_ADDR": ip})


def count(dbsession):
    dbsession.rollback()
    return dbsession.scalar(select(func.count(ContactMessage.id)))


def test_message_is_stored_sent_to_support_and_acknowledged(testapp, clock, mailbox, dbsession):
    sent = fill(testapp, clock)
    assert sent.status_int == 303 and "Merci" in sent.follow()
    stored = dbsession.scalar(select(ContactMessage))
    assert (stored.subject, stored.email, stored.ip, stored.status) == \
        ("accessibility", "marie@example.test", "192.0.2.10", "new")
    support = mailbox.to("support@olympix.test")
    assert len(support) == 1 and MESSAGE in mailbox.text(support[0])
    assert support[0]["Reply-To"] == "marie@example.test"
    ack = mailbox.to("marie@example.test")
    assert len(ack) == 1 and "Accessibilité" in mailbox.text(ack[0])
    assert MESSAGE not in mailbox.text(ack[0])  # never relays the text to whoever was typed in


def test_rate_limited_per_address_and_per_ip(testapp, clock, mailbox, dbsession):
    for n in range(3):
        assert fill(testapp, clock, ip=f"192.0.2.{n}").status_int == 303
    refused = fill(testapp, clock, ip="192.0.2.99")
    assert refused.status_int == 200 and "plusieurs messages" in refused
    for n in range(3):
        fill(testapp, clock, ip="198.51.100.7", email=f"other{n}@example.test")
    refused = fill(testapp, clock, ip="198.51.100.7", email="new@example.test")
    assert "plusieurs messages" in refused
    assert count(dbsession) == 6
    clock.advance(hours=1, minutes=1)
    assert fill(testapp, clock, ip="198.51.100.7", email="new@example.test").status_int == 303


def test_honeypot_and_too_fast_are_not_stored(testapp, clock, mailbox, dbsession):
    bot = fill(testapp, clock, website="http://spam.example")
    assert bot.status_int == 303  # looks like success to the bot
    fast = fill(testapp, clock, wait=0)
    assert fast.status_int == 200 and "rapide" in fast
    assert count(dbsession) == 0 and not mailbox.messages


def test_forged_or_missing_time_stamp_is_refused(testapp, clock, dbsession):
    page = testapp.get("/contact")
    form = page.forms["form"]
    form["subject"], form["message"], form["email"] = "other", MESSAGE, "a@example.test"
    form["started"] = "1.deadbeef"
    clock.advance(seconds=10)
    assert "expiré" in form.submit("submit")
    assert count(dbsession) == 0


def test_bad_input_gets_field_errors_in_the_persons_language(testapp, clock, dbsession):
    page = fill(testapp, clock, subject="", message="x" * 20000, email="not-an-address")
    assert page.status_int == 200
    assert "Choisissez un sujet." in page and "5000 caractères au plus." in page
    assert "adresse e-mail valide" in page
    page = testapp.get("/contact", extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    form = page.forms["form"]
    form["message"] = "short"
    clock.advance(seconds=5)
    english = form.submit("submit", extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    assert "Write at least 10 characters." in english and "Choose a subject." in english
    # a tampered subject, and a POST without the CSRF token
    tampered = fill(testapp, clock, subject="<script>")
    assert tampered.status_int == 200 and "Choisissez un sujet." in tampered
    testapp.post("/contact", {"subject": "other", "message": MESSAGE, "email": "a@example.test"},
                 status=400)
    assert count(dbsession) == 0
