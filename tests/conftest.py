"""Fixtures every test area shares.

The database: each test run creates its own MariaDB database on
127.0.0.1:3306 (dropped at the end), migrated with alembic to head, so two
runs never see each other's rows. Without MariaDB the functional tests run
on a SQLite file and the ``mariadb`` tests skip, unless
OLYMPIX_REQUIRE_MARIADB=1 (CI), where its absence is a failure.
"""
import os
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json

import pymysql
import pytest
import webtest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from olympix.models import Base

MARIADB = dict(host="127.0.0.1", port=3306, user="root", password="")
REQUIRE_MARIADB = os.environ.get("OLYMPIX_REQUIRE_MARIADB") == "1"
# OLYMPIX_TEST_SQLITE=1 runs the suite on the embedded SQLite even where
# MariaDB answers (the MariaDB-only tests then skip), to check both back ends.
FORCE_SQLITE = os.environ.get("OLYMPIX_TEST_SQLITE") == "1" and not REQUIRE_MARIADB
TEST_SETTINGS = {
    "olympix.session_secret": "insecure-dev-test-session-secret-0123456789",
    "olympix.code_pepper": "insecure-dev-test-pepper",
    "olympix.data_keys": "A:aW5zZWN1cmUtZGV2LWRhdGEta2V5LUEtMDAwMDAwMDA=",
    "olympix.ticket_keys": "A:aW5zZWN1cmUtZGV2LXRpY2tldC1rZXktQS0wMDAwMDA=",
    "olympix.clock": "olympix.services.clock.FakeClock",
    "olympix.base_url": "http://localhost",
    # argon2 at its cheapest: tests hash hundreds of passwords.
    "olympix.argon2.time_cost": "1",
    "olympix.argon2.memory_cost": "8",
    "olympix.argon2.parallelism": "1",
    "olympix.sms.backend": "olympix.services.sms.HTTPSMSSender",
    "olympix.payment.url": "http://127.0.0.1:9",
    "olympix.payment.api_key": "sk_test_insecure-dev",
    "olympix.payment.webhook_secret": "whsec_insecure-dev",
    "mail.default_sender": "Olympix <no-reply@olympix.test>",
    "pyramid.default_locale_name": "fr",
    # Each test makes its own sports and venues: no cached list between them.
    "olympix.catalogue.reference_ttl": "0",
    "olympix.gate.bundle_reuse_seconds": "0",
}


def mariadb_available():
    try:
        pymysql.connect(connect_timeout=2, **MARIADB).close()
        return True
    except pymysql.err.MySQLError:
        return False


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The URL of this run's own database, migrated to head."""
    from olympix.scripts.db import upgrade

    if not FORCE_SQLITE and mariadb_available():
        name = f"olympix_test_{os.getpid()}_{secrets.token_hex(3)}"
        server = create_engine("mysql+pymysql://root@127.0.0.1:3306/", isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        url = f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
        try:
            upgrade(url)
            yield url
        finally:
            with server.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            server.dispose()
    else:
        if REQUIRE_MARIADB:
            pytest.fail("MariaDB is required (OLYMPIX_REQUIRE_MARIADB=1) but 127.0.0.1:3306 does not answer")
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'olympix.sqlite'}"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def on_mariadb(database_url):
    return database_url.startswith("mysql")


@pytest.fixture
def mariadb(database_url):
    """Use in tests that need MariaDB itself; they skip on a laptop without it."""
    if not database_url.startswith("mysql"):
        pytest.skip("needs MariaDB on 127.0.0.1:3306 (not running here)")
    return database_url


@pytest.fixture(scope="session")
def db_engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import email

        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()

    def to(self, address):
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def text(message):
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        return ""


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback for the whole run."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, mailbox
    controller.stop()


class SMSGateway(BaseHTTPRequestHandler):
    received = []
    token = "sms-test-token"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            self.send_response(401)
            self.end_headers()
            return
        SMSGateway.received.append(json.loads(body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def sms_server():
    """A local HTTP SMS gateway that records what it receives."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SMSGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/messages", SMSGateway.received
    server.shutdown()


@pytest.fixture(scope="session")
def app_settings(database_url, smtp_server, sms_server):
    settings = dict(TEST_SETTINGS)
    settings.update({
        "sqlalchemy.url": database_url,
        "mail.host": "127.0.0.1",
        "mail.port": str(smtp_server[0]),
        "olympix.sms.url": sms_server[0],
        "olympix.sms.token": SMSGateway.token,
    })
    return settings


@pytest.fixture(scope="session")
def app(app_settings):
    """The WSGI application built by main(), as in production."""
    from olympix import main

    return main({}, **app_settings)


def clean_database(engine):
    with engine.begin() as conn:
        if engine.dialect.name in ("mysql", "mariadb"):
            # Self-references (a re-issued ticket points at the one it
            # replaces) are checked row by row by InnoDB.
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        if engine.dialect.name in ("mysql", "mariadb"):
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")


@pytest.fixture
def mailbox(smtp_server):
    smtp_server[1].clear()
    return smtp_server[1]


@pytest.fixture
def sms_outbox(sms_server):
    sms_server[1].clear()
    return sms_server[1]


@pytest.fixture
def clock(app):
    """The application's FakeClock, reset to now; move it with advance()."""
    from olympix.interfaces import IClock
    from pyramid.request import Request

    from pyramid.request import apply_request_extensions

    request = Request.blank("/")
    request.registry = app.registry
    apply_request_extensions(request)
    fake = request.find_service(IClock)
    fake.set(fake.__class__().now())
    return fake


@pytest.fixture
def testapp(app, db_engine, mailbox, sms_outbox, clock):
    """A WebTest client on a clean database, in French unless told otherwise."""
    clean_database(db_engine)
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})
    clean_database(db_engine)


@pytest.fixture
def ini(tmp_path, app_settings):
    """An ini file pointing at the test database, for `olympix` commands in a subprocess."""
    keys = ("sqlalchemy.url", "olympix.session_secret", "olympix.code_pepper", "olympix.data_keys",
            "olympix.ticket_keys", "olympix.argon2.time_cost", "olympix.argon2.memory_cost",
            "olympix.argon2.parallelism")
    lines = ["[app:main]", "use = egg:olympix"] + [f"{k} = {app_settings[k]}" for k in keys]
    path = tmp_path / "ops.ini"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture
def make_user(app, db_engine):
    """Create an account directly: make_user("a@b.test", role="manager")."""
    from pyramid.scripting import prepare

    from olympix.models import UserState
    from olympix.services import accounts

    def make(email, password="correct horse battery", role="user", state=UserState.ACTIVE,
             first_name="Ada", last_name="Lovelace", phone=None):
        env = prepare(registry=app.registry)
        request = env["request"]
        try:
            with request.tm:
                user = accounts.new_user(request, email=email, first_name=first_name, last_name=last_name,
                                         password=password, role=role, state=state, phone=phone)
                user_id = user.id
        finally:
            env["closer"]()
        return user_id

    return make


@pytest.fixture
def dbsession(app, db_engine):
    """A plain session on the test database, to arrange and inspect rows.

    On MariaDB a read opens a REPEATABLE READ snapshot: call
    ``dbsession.rollback()`` before reading again what the app changed.
    """
    from sqlalchemy.orm import Session

    with Session(db_engine, expire_on_commit=False) as session:
        yield session


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_settings():
    """Settings that put the app's shared store on the local Redis, with this run's own prefix.

    Skips on a laptop without Redis; in CI (OLYMPIX_REQUIRE_MARIADB=1) Redis is required.
    """
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if REQUIRE_MARIADB:
            pytest.fail("Redis is required in CI but 127.0.0.1:6379 does not answer")
        pytest.skip("needs Redis on 127.0.0.1:6379 (not running here)")
    prefix = f"olympix-test-{os.getpid()}-{secrets.token_hex(3)}:"
    yield {"olympix.redis.url": REDIS_URL, "olympix.redis.prefix": prefix}
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.delete(key)
