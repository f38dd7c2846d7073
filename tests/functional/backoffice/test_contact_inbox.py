"""``/backoffice/contact``: managers and administrators read contact messages and mark them handled."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from olympix.models import ContactMessage
from tests.functional.helpers import csrf_token, in_request


def add_messages(app, *rows):
    """rows: (email, message, minutes ago); returns their ids in order."""
    base = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    ids = []

    def add(request):
        for email, text, ago in rows:
            message = ContactMessage(subject="entry", message=text, email=email, ip="192.0.2.7",
                                     locale="fr", created_at=base - timedelta(minutes=ago))
            request.dbsession.add(message)
            request.dbsession.flush()
            ids.append(message.id)

    in_request(app, add)
    return ids


def test_manager_reads_newest_first_and_marks_one_handled(app, client_as, dbsession):
    older, newer = add_messages(app, ("ada@example.test", "Où est la porte B ?\nMerci.", 30),
                                ("bob@example.test", "Accès PMR <script>x</script>", 5))
    manager = client_as("manager")
    page = manager.get("/backoffice/contact")
    texts = [a.text for a in page.html.select(".contact-message")]
    assert len(texts) == 2 and "bob@example.test" in texts[0] and "ada@example.test" in texts[1]
    assert "Accès PMR" in texts[0] and "Où est la porte B ?" in texts[1]
    assert "Accès le jour de l’épreuve" in texts[0]  # the subject, in the reader's language
    assert "<script>x</script>" not in page.text  # escaped
    assert page.html.select(".badge")[0].text.strip() == "Nouveau"
    assert "Messages pas encore traités : 2" in page

    form = next(f for f in page.forms.values() if f.action.endswith("@@handle")
                and f["message_id"].value == str(older))
    done = form.submit()
    assert done.status_int == 303
    after = done.follow()
    assert "Message de ada@example.test marqué comme traité." in after
    assert "Messages pas encore traités : 1" in after
    dbsession.expire_all()
    assert dbsession.get(ContactMessage, older).status == "handled"
    assert dbsession.get(ContactMessage, newer).status == "new"

    handled = manager.get("/backoffice/contact?status=handled")
    assert "ada@example.test" in handled and "bob@example.test" not in handled
    assert not [f for f in handled.forms.values() if f.action.endswith("@@handle")]
    # twice changes nothing; unknown ids are 404; no CSRF token, no change
    assert manager.post("/backoffice/contact/@@handle",
                        {"csrf_token": csrf_token(manager), "message_id": str(older)}).status_int == 303
    manager.post("/backoffice/contact/@@handle", {"csrf_token": csrf_token(manager), "message_id": "999999"},
                 status=404)
    manager.post("/backoffice/contact/@@handle", {"csrf_token": csrf_token(manager), "message_id": "x"},
                 status=404)
    manager.post("/backoffice/contact/@@handle", {"message_id": str(newer)}, status=400)
    dbsession.expire_all()
    assert dbsession.get(ContactMessage, newer).status == "new"
    # bad query values are ignored, never a 500
    assert manager.get("/backoffice/contact?status=nope&page=abc").status_int == 200


def test_administrator_reads_the_inbox(app, client_as):
    add_messages(app, ("ada@example.test", "Bonjour", 1))
    assert "ada@example.test" in client_as("admin").get("/backoffice/contact")


def test_others_are_refused(app, client_as, dbsession):
    (message_id,) = add_messages(app, ("ada@example.test", "Bonjour", 1))
    for role in ("user", "editor", "agent"):
        client = client_as(role)
        client.get("/backoffice/contact", status=403)
        client.post("/backoffice/contact/@@handle",
                    {"csrf_token": csrf_token(client), "message_id": str(message_id)}, status=403)
    visitor = client_as("visitor")
    response = visitor.get("/backoffice/contact", status=303)
    assert "/account/@@login" in response.location
    visitor.post("/backoffice/contact/@@handle",
                 {"csrf_token": csrf_token(visitor), "message_id": str(message_id)}, status=403)
    assert dbsession.scalar(select(ContactMessage.status)) == "new"


def test_inbox_is_paginated(app, client_as):
    add_messages(app, *((f"p{n:02d}@example.test", "Bonjour", n) for n in range(60)))
    manager = client_as("manager")
    first = manager.get("/backoffice/contact")
    assert "p00@example.test" in first and "p49@example.test" in first and "p50@example.test" not in first
    second = manager.get("/backoffice/contact?page=2")
    assert "p59@example.test" in second and "p00@example.test" not in second
