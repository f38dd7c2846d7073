"""Mail out of the request (issue 15): the queue on Redis, ``olympix mail-worker``."""
from email.header import decode_header, make_header

import pytest
import webtest
from pyramid_mailer.message import Message

from olympix.services.email import SMTPEmailSender
from olympix.services.mail_queue import DEAD, PROCESSING, QUEUE, QueuedEmailSender, Worker, pack
from olympix.services.shared_store import shared_store

from .helpers import olympix, submit

QUEUED = {"olympix.email.backend": "olympix.services.mail_queue.QueuedEmailSender"}
KNOWN = "known@example.test"


@pytest.fixture(scope="module")
def queued_app(app_settings, redis_settings):
    from olympix import main

    return main({}, **{**app_settings, **redis_settings, **QUEUED})


@pytest.fixture
def store(queued_app):
    store = queued_app.registry["olympix.shared_store"]
    for key in store.client.scan_iter(match=store.prefix + "*", count=1000):
        store.client.delete(key)
    return store


def smtp(app_settings, port=None):
    return SMTPEmailSender("127.0.0.1", int(port or app_settings["mail.port"]))


def closed_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_reset_request_queues_its_mail_and_the_worker_delivers_it(queued_app, testapp, store, make_user,
                                                                   mailbox, app_settings):
    make_user(KNOWN)
    browser = webtest.TestApp(queued_app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})
    answer = submit(browser.get("/account/@@forgot"), email=KNOWN)
    assert answer.status_int == 303
    assert mailbox.to(KNOWN) == []  # nothing was sent during the request
    assert store.client.llen(store.key(QUEUE)) == 1
    worker = Worker(store, smtp(app_settings))
    assert worker.run(once=True) == 1 and worker.delivered == 1
    [message] = mailbox.to(KNOWN)
    subject = str(make_header(decode_header(message["Subject"])))
    assert "réinitialisation" in subject.lower() or "mot de passe" in subject.lower(), subject
    assert store.client.llen(store.key(QUEUE)) == store.client.llen(store.key(PROCESSING)) == 0


def message(to="ada@example.test"):
    return Message(subject="Bonjour", sender="Olympix <no-reply@olympix.test>", recipients=[to], body="Salut")


def test_a_refused_delivery_is_retried_then_dead_lettered(store, app_settings, mailbox):
    store.client.lpush(store.key(QUEUE), pack(message()))
    waits = []
    worker = Worker(store, smtp(app_settings, closed_port()), max_attempts=2, sleep=waits.append)
    assert worker.run(once=True) == 2  # tried, put back, tried again, dead
    assert (worker.delivered, worker.failed, worker.dead) == (0, 1, 1) and waits == [2]
    assert store.client.llen(store.key(QUEUE)) == 0 and store.client.llen(store.key(DEAD)) == 1
    assert mailbox.to("ada@example.test") == []


def test_a_killed_worker_leaves_nothing_behind(store, app_settings, mailbox):
    store.client.lpush(store.key(PROCESSING), pack(message("bob@example.test")))  # taken, never delivered
    assert Worker(store, smtp(app_settings)).run(once=True) == 1
    assert len(mailbox.to("bob@example.test")) == 1


def test_redis_down_delivers_directly(app_settings, mailbox):
    down = shared_store({"olympix.redis.url": f"redis://127.0.0.1:{closed_port()}/0"})
    QueuedEmailSender(down, smtp(app_settings)).push(message("cy@example.test"))
    assert len(mailbox.to("cy@example.test")) == 1


def test_production_style_settings_need_redis(app_settings):
    with pytest.raises(ValueError, match="olympix.redis.url"):
        QueuedEmailSender.from_settings({**app_settings, "olympix.redis.url": ""})


def test_the_command_drains_the_queue(ini, store, redis_settings, app_settings, mailbox):
    store.client.lpush(store.key(QUEUE), pack(message("dee@example.test")))
    with open(ini, "a") as fh:
        fh.write("".join(f"{k} = {v}\n" for k, v in redis_settings.items()))
        fh.write(f"mail.host = 127.0.0.1\nmail.port = {app_settings['mail.port']}\n")
    done = olympix("mail-worker", ini, "--once")
    assert done.returncode == 0, done.stderr
    assert "1 message(s) delivered" in done.stdout
    assert len(mailbox.to("dee@example.test")) == 1
    assert store.client.llen(store.key(QUEUE)) == 0


def test_the_command_says_the_queue_needs_redis(ini):
    done = olympix("mail-worker", ini, "--once")
    assert done.returncode != 0 and "olympix.redis.url" in done.stderr
