"""Settings validation: development runs with obvious keys, production refuses them."""
import base64
import os

import pytest

from olympix.settings import SettingsError, parse

REAL_KEY = base64.b64encode(b"r" * 32).decode()
DEV = {
    "sqlalchemy.url": "sqlite:///x.sqlite",
    "olympix.session_secret": "insecure-dev-session-secret-0123456789abcdef",
    "olympix.code_pepper": "insecure-dev-pepper",
    "olympix.data_keys": "A:aW5zZWN1cmUtZGV2LWRhdGEta2V5LUEtMDAwMDAwMDA=",
    "olympix.ticket_keys": "A:aW5zZWN1cmUtZGV2LXRpY2tldC1rZXktQS0wMDAwMDA=",
}
PRODUCTION_ENV = {
    "OLYMPIX_DATABASE_URL": "mysql+pymysql://olympix:pw@db/olympix",
    "OLYMPIX_SESSION_SECRET": "s" * 40,
    "OLYMPIX_CODE_PEPPER": "p" * 32,
    "OLYMPIX_DATA_KEYS": f"A:{REAL_KEY}",
    "OLYMPIX_TICKET_KEYS": f"A:{REAL_KEY}",
    "OLYMPIX_PAYMENT_API_KEY": "sk_live_x",
    "OLYMPIX_PAYMENT_WEBHOOK_SECRET": "whsec_x",
    "OLYMPIX_SMS_TOKEN": "token",
}


def test_development_settings_parse_with_defaults():
    settings = parse(DEV, environ={})
    assert settings["olympix.production"] is False
    assert settings["olympix.data_keys.parsed"].current == "A"
    # OWASP's argon2id profile: 19 MiB, 2 passes, 1 lane (a quarter of argon2-cffi's default cost).
    assert (settings["olympix.argon2.memory_cost"], settings["olympix.argon2.time_cost"],
            settings["olympix.argon2.parallelism"]) == (19456, 2, 1)


def test_production_reads_secrets_from_the_environment():
    settings = parse({"olympix.production": "true"}, environ=PRODUCTION_ENV)
    assert settings["sqlalchemy.url"].startswith("mysql")
    assert settings["olympix.session_secret"] == "s" * 40


@pytest.mark.parametrize("missing", ["OLYMPIX_DATABASE_URL", "OLYMPIX_SESSION_SECRET", "OLYMPIX_DATA_KEYS"])
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        parse({"olympix.production": "true"}, environ=env)


@pytest.mark.parametrize("variable, value", [
    ("OLYMPIX_SESSION_SECRET", "insecure-dev-session-secret-0123456789abcdef"),
    ("OLYMPIX_DATA_KEYS", DEV["olympix.data_keys"]),
    ("OLYMPIX_TICKET_KEYS", DEV["olympix.ticket_keys"]),
])
def test_production_refuses_development_values(variable, value):
    env = dict(PRODUCTION_ENV, **{variable: value})
    with pytest.raises(SettingsError, match="development"):
        parse({"olympix.production": "true"}, environ=env)


def test_production_refuses_sqlite():
    env = dict(PRODUCTION_ENV, OLYMPIX_DATABASE_URL="sqlite:///x.sqlite")
    with pytest.raises(SettingsError, match="MariaDB"):
        parse({"olympix.production": "true"}, environ=env)


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
        parse({"olympix.production": "true"}, environ=env)


@pytest.mark.parametrize("key, value", [
    ("olympix.payment.backend", "tests.doubles.FakePaymentGateway"),  # any test double, by its name
    ("olympix.clock", "olympix.services.clock.FakeClock"),
    ("olympix.email.backend", "olympix.services.email.ConsoleEmailSender"),
    ("pyramid.includes", "pyramid_tm\npyramid_debugtoolbar"),
])
def test_production_refuses_test_doubles_and_the_debug_toolbar(key, value):
    with pytest.raises(SettingsError, match=key):
        parse({"olympix.production": "true", key: value}, environ=PRODUCTION_ENV)
