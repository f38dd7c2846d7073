"""Settings validation: development runs with obvious keys, production refuses them."""
import base64
import os

import pytest

from olympix.settings import SettingsError, parse

REAL_KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(100, 132))).decode()
DEV = {
    "sqlalchemy.url": "sqlite:///x.sqlite",
    "olympix.session_secret": "insecure-dev-session-secret-0123456789abcdef",
    "olympix.code_pepper": "insecure-dev-pepper",
    "olympix.data_keys": "A:aW5zZWN1cmUtZGV2LWRhdGEta2V5LUEtMDAwMDAwMDA=",
    "olympix.ticket_keys": "A:aW5zZWN1cmUtZGV2LXRpY2tldC1rZXktQS0wMDAwMDA=",
}
PRODUCTION_ENV = {
    "OLYMPIX_DATABASE_URL": "mysql+pymysql://olympix:pw@db/olympix",
    "OLYMPIX_SESSION_SECRET": "Zq3vL8pX1mT6yR0cW4nB7dK2hF9sJ5gA",
    "OLYMPIX_CODE_PEPPER": "pE4rV9tY2uI7oP1aS6dF3gH8jK0lZ5xC",
    "OLYMPIX_DATA_KEYS": f"A:{REAL_KEY}",
    "OLYMPIX_TICKET_KEYS": f"A:{OTHER_KEY}",
    "OLYMPIX_PAYMENT_API_KEY": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "OLYMPIX_PAYMENT_WEBHOOK_SECRET": "whsec_Nq7Zk2Lp9Xr4Tv8Bm3Wc6Yd1",
    "OLYMPIX_SMS_TOKEN": "token",
    # Only the file's existence is checked here; tests/integration/test_database_tls.py uses real ones.
    "OLYMPIX_DB_SSL_CA": os.path.abspath(__file__),
}
# What production.ini says besides the secrets.
PRODUCTION = {
    "olympix.production": "true",
    "olympix.session.secure": "true",
    "olympix.base_url": "https://tickets.example.org",
    "olympix.payment.url": "https://payments.example.org",
}


def test_development_settings_parse_with_defaults():
    settings = parse(DEV, environ={})
    assert settings["olympix.production"] is False
    assert settings["olympix.data_keys.parsed"].current == "A"
    # OWASP's argon2id profile: 19 MiB, 2 passes, 1 lane (a quarter of argon2-cffi's default cost).
    assert (settings["olympix.argon2.memory_cost"], settings["olympix.argon2.time_cost"],
            settings["olympix.argon2.parallelism"]) == (19456, 2, 1)


def test_production_reads_secrets_from_the_environment():
    settings = parse(PRODUCTION, environ=PRODUCTION_ENV)
    assert settings["sqlalchemy.url"].startswith("mysql")
    assert settings["olympix.session_secret"] == PRODUCTION_ENV["OLYMPIX_SESSION_SECRET"]


@pytest.mark.parametrize("missing", ["OLYMPIX_DATABASE_URL", "OLYMPIX_SESSION_SECRET", "OLYMPIX_DATA_KEYS"])
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        parse(PRODUCTION, environ=env)


@pytest.mark.parametrize("variable, value", [
    ("OLYMPIX_SESSION_SECRET", "insecure-dev-session-secret-0123456789abcdef"),
    ("OLYMPIX_DATA_KEYS", DEV["olympix.data_keys"]),
    ("OLYMPIX_TICKET_KEYS", DEV["olympix.ticket_keys"]),
])
def test_production_refuses_development_values(variable, value):
    env = dict(PRODUCTION_ENV, **{variable: value})
    with pytest.raises(SettingsError, match="development"):
        parse(PRODUCTION, environ=env)


def test_production_refuses_sqlite():
    env = dict(PRODUCTION_ENV, OLYMPIX_DATABASE_URL="sqlite:///x.sqlite")
    with pytest.raises(SettingsError, match="MariaDB"):
        parse(PRODUCTION, environ=env)


@pytest.mark.parametrize("key, value, message", [
    ("olympix.session_secret", "short", "32 characters"),
    ("olympix.data_keys", "A:notbase64!", "base64"),
    ("olympix.ticket_keys", "A:" + base64.b64encode(b"x" * 16).decode(), "32"),
    ("olympix.argon2.time_cost", "three", "integer"),
    ("olympix.default_locale", "de", "fr or en"),
])
def test_bad_values_are_named(key, value, message):
    with pytest.raises(SettingsError, match=message):
        parse(dict(DEV, **{key: value}), environ={})


def test_production_ini_refuses_to_start_without_environment(monkeypatch):
    from pyramid.paster import get_appsettings

    for variable in PRODUCTION_ENV:
        monkeypatch.delenv(variable, raising=False)
    ini = os.path.join(os.path.dirname(__file__), "..", "..", "production.ini")
    with pytest.raises(SettingsError, match="OLYMPIX_DATABASE_URL"):
        parse(get_appsettings(ini))


@pytest.mark.parametrize("missing", ["OLYMPIX_PAYMENT_API_KEY", "OLYMPIX_PAYMENT_WEBHOOK_SECRET"])
def test_production_refuses_to_start_without_payment_secrets(missing):
    """Without the webhook secret, notifications would be checked against an empty HMAC key."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        parse(PRODUCTION, environ=env)


@pytest.mark.parametrize("key, value", [
    ("olympix.payment.backend", "tests.doubles.FakePaymentGateway"),  # any test double, by its name
    ("olympix.clock", "olympix.services.clock.FakeClock"),
    ("olympix.email.backend", "olympix.services.email.ConsoleEmailSender"),
    ("pyramid.includes", "pyramid_tm\npyramid_debugtoolbar"),
])
def test_production_refuses_test_doubles_and_the_debug_toolbar(key, value):
    with pytest.raises(SettingsError, match=key):
        parse({**PRODUCTION, key: value}, environ=PRODUCTION_ENV)


@pytest.mark.parametrize("variable, value, message", [
    ("OLYMPIX_CODE_PEPPER", "x", "olympix.code_pepper.*at least 32"),
    ("OLYMPIX_PAYMENT_WEBHOOK_SECRET", "w", "webhook_secret.*at least 24"),
    ("OLYMPIX_SESSION_SECRET", "s" * 40, "session_secret.*too simple"),
    ("OLYMPIX_CODE_PEPPER", "ab" * 20, "code_pepper.*too simple"),
    ("OLYMPIX_CODE_PEPPER", "Zq3vL8pX1mT6yR0cW4nB7dK2hF9sJ5gA", "code_pepper.*same value as.*session_secret"),
    ("OLYMPIX_TICKET_KEYS", f"A:{REAL_KEY}", "ticket_keys.*same key as.*data_keys"),
    ("OLYMPIX_TICKET_KEYS", f"B:{OTHER_KEY}, A:{REAL_KEY}", "ticket_keys.*same key as.*data_keys"),
    ("OLYMPIX_DATA_KEYS", "A:" + base64.b64encode(b"r" * 32).decode(), "data_keys.*too simple"),
])
def test_production_refuses_weak_short_and_reused_secrets(variable, value, message):
    env = dict(PRODUCTION_ENV, **{variable: value})
    with pytest.raises(SettingsError, match=message):
        parse(PRODUCTION, environ=env)


@pytest.mark.parametrize("key, value, message", [
    ("olympix.session.secure", "false", "session.secure"),
    ("olympix.base_url", "http://tickets.example.org", "olympix.base_url.*https://"),
    ("olympix.payment.url", "http://payments.example.org", "olympix.payment.url.*https://"),
    ("olympix.payment.notify_url", "http://tickets.example.org/api/payments/notify", "notify_url.*https://"),
    ("pyramid.debug_all", "true", "pyramid.debug_all"),
    ("pyramid.debug_authorization", "true", "pyramid.debug_authorization"),
    ("pyramid.reload_templates", "true", "pyramid.reload_templates"),
])
def test_production_refuses_unsafe_settings(key, value, message):
    with pytest.raises(SettingsError, match=message):
        parse({**PRODUCTION, key: value}, environ=PRODUCTION_ENV)


def test_production_settings_as_shipped_start():
    settings = parse(PRODUCTION, environ=PRODUCTION_ENV)
    assert settings["olympix.production"] is True


@pytest.mark.parametrize("settings", [
    {"olympix.production": "false", "sqlalchemy.url": "mysql+pymysql://olympix:pw@db.example.org/olympix"},
    {"olympix.production": "false", "sqlalchemy.url": "mysql+pymysql://olympix:pw@10.0.0.5/olympix"},
    {"olympix.production": "false", "olympix.base_url": "https://tickets.example.org"},
])
def test_production_false_is_refused_where_the_site_is_deployed(settings):
    with pytest.raises(SettingsError, match="olympix.production = false"):
        parse({**DEV, **settings}, environ={})


@pytest.mark.parametrize("url", ["sqlite:///x.sqlite", "mysql+pymysql://root@127.0.0.1:3306/x",
                                 "mysql+pymysql://root@localhost/x", "mysql+pymysql://root@[::1]:3306/x"])
def test_development_on_a_local_database_starts(url):
    assert parse(dict(DEV, **{"sqlalchemy.url": url}), environ={})["olympix.production"] is False


def test_production_ini_with_production_false_is_refused(monkeypatch):
    from pyramid.paster import get_appsettings

    ini = os.path.join(os.path.dirname(__file__), "..", "..", "production.ini")
    settings = dict(get_appsettings(ini), **{"olympix.production": "false"})
    env = dict(PRODUCTION_ENV, OLYMPIX_DATABASE_URL="mysql+pymysql://olympix:pw@db.internal/olympix")
    with pytest.raises(SettingsError, match="olympix.production = false"):
        parse(settings, environ=env)


def test_production_refuses_a_plain_connection_to_another_host():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "OLYMPIX_DB_SSL_CA"}
    with pytest.raises(SettingsError, match="without TLS.*olympix.db.ssl_ca"):
        parse(PRODUCTION, environ=env)


def test_production_may_reach_a_database_on_loopback_without_tls():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "OLYMPIX_DB_SSL_CA"}
    env["OLYMPIX_DATABASE_URL"] = "mysql+pymysql://olympix:pw@127.0.0.1:3306/olympix"
    assert parse(PRODUCTION, environ=env)["olympix.production"] is True


def test_tls_settings_join_the_database_url(tmp_path):
    files = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    for path in files.values():
        path.write_text("x")
    settings = parse(dict(DEV, **{"sqlalchemy.url": "mysql+pymysql://root@127.0.0.1:3306/x?charset=utf8mb4",
                                  "olympix.db.ssl_ca": str(files["ca"]), "olympix.db.ssl_cert": str(files["cert"]),
                                  "olympix.db.ssl_key": str(files["key"])}), environ={})
    from sqlalchemy.engine import make_url

    query = make_url(settings["sqlalchemy.url"]).query
    assert query["ssl_ca"] == str(files["ca"]) and query["ssl_key"] == str(files["key"])
    assert query["charset"] == "utf8mb4"


@pytest.mark.parametrize("extra, message", [
    ({"olympix.db.ssl_cert": __file__, "olympix.db.ssl_key": __file__}, "ssl_ca' is missing"),
    ({"olympix.db.ssl_ca": __file__, "olympix.db.ssl_cert": __file__}, "go together"),
    ({"olympix.db.ssl_ca": "/nowhere/ca.pem"}, "no file '/nowhere/ca.pem'"),
])
def test_tls_settings_are_checked(extra, message):
    with pytest.raises(SettingsError, match=message):
        parse(dict(DEV, **{"sqlalchemy.url": "mysql+pymysql://root@127.0.0.1/x"}, **extra), environ={})
