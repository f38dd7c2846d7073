"""Every ``olympix.*`` setting, parsed once at start-up.

Ini files carry all non-secret configuration. Secrets may come from
environment variables (``maybe_set``, warehouse's pattern) so that
production.ini holds no credential; in production a missing secret, or one
of the development values shipped in development.ini, stops the start-up.
"""
import os

from pyramid.settings import asbool

from .security.keyring import Keyring
from .security.client_address import parse_proxies


class SettingsError(Exception):
    """A setting is missing or wrong; the message says which and why."""


# Secrets and where production reads them from.
SECRET_ENV = {
    "sqlalchemy.url": "OLYMPIX_DATABASE_URL",
    "olympix.session_secret": "OLYMPIX_SESSION_SECRET",
    "olympix.code_pepper": "OLYMPIX_CODE_PEPPER",
    "olympix.data_keys": "OLYMPIX_DATA_KEYS",
    "olympix.ticket_keys": "OLYMPIX_TICKET_KEYS",
    "olympix.payment.api_key": "OLYMPIX_PAYMENT_API_KEY",
    "olympix.payment.webhook_secret": "OLYMPIX_PAYMENT_WEBHOOK_SECRET",
    "olympix.sms.token": "OLYMPIX_SMS_TOKEN",
}

# Secrets production cannot start without, beyond the ones every run needs.
PRODUCTION_REQUIRED = ("olympix.payment.api_key", "olympix.payment.webhook_secret")

# Every development secret contains this marker, so production can refuse
# any of them without keeping a list in sync with development.ini.
DEVELOPMENT_MARKER = "insecure-dev"

DEFAULTS = {
    "olympix.production": "false",
    "olympix.clock": "olympix.services.clock.SystemClock",
    "olympix.sms.backend": "olympix.services.sms.OutboxSMSSender",
    "olympix.sms.outbox": "var/sms-outbox",
    "olympix.sms.url": "",
    "olympix.sms.token": "",
    "olympix.email.backend": "olympix.services.email.SMTPEmailSender",
    "olympix.support_email": "support@olympix.test",
    "olympix.argon2.time_cost": "3",
    "olympix.argon2.memory_cost": "65536",
    "olympix.argon2.parallelism": "4",
    "olympix.session.secure": "false",
    "olympix.default_locale": "fr",
    "olympix.base_url": "http://127.0.0.1:6543",
    "mail.default_sender": "Olympix <no-reply@olympix.test>",
    "olympix.payment.backend": "olympix.services.payment_gateway.SandboxPaymentGateway",
    "olympix.booking.max_per_event": "6",
    "olympix.booking.max_per_account": "30",
    "olympix.booking.hold_minutes": "10",
    # After a hold of theirs lapsed unpaid, an account waits this long before
    # holding seats of that event again; holds per client address per hour
    # (issue 15: throwaway accounts keeping seats off sale; 0: no limit).
    "olympix.booking.relapse_minutes": "15",
    "olympix.booking.holds_per_address_hour": "30",
    # The waiting room (issue 11, docs/waiting-room.md): arrivals this long
    # before an opening get a random place; a pass is valid this long; the
    # sale stays queued this long after the opening; admissions per minute
    # when the event names none (bench/README.md: what the selling bench
    # measured here, with a margin); never more passes valid at once than
    # max_inside; at most this many places per address and queue.
    # Seconds a process keeps the sports and venues the search form lists.
    "olympix.catalogue.reference_ttl": "60",
    "olympix.queue.window_minutes": "30",
    "olympix.queue.pass_minutes": "10",
    "olympix.queue.open_minutes": "60",
    "olympix.queue.default_rate": "600",
    "olympix.queue.max_inside": "6200",  # ≥ default_rate × pass_minutes + 10 s: the default rate is not capped
    "olympix.queue.places_per_address": "8",
    "olympix.tickets.visible_before": "48",
    "olympix.gate.opens_before": "180",
    "olympix.redis.url": "",  # empty: counters and queues fall back on the database
    "olympix.redis.prefix": "olympix:",
    "olympix.trusted_proxies": "",  # proxies whose X-Forwarded-For names the client  # minutes before a session starts that its gates open
}

# Keys whose random part is a keyring: "ID:base64key[,ID:base64key...]".
KEYRINGS = ("olympix.data_keys", "olympix.ticket_keys")


def maybe_set(settings, key, env_name, environ=os.environ):
    """Fill ``settings[key]`` from the environment when the variable is set."""
    value = environ.get(env_name)
    if value:
        settings[key] = value


def parse(settings, environ=os.environ):
    """Return a copy of ``settings`` with defaults, env secrets and checks.

    Raises SettingsError with a message naming the setting and its
    environment variable when something required is missing or unsafe.
    """
    result = dict(DEFAULTS)
    result.update({k: v for k, v in settings.items() if v is not None})
    for key, env_name in SECRET_ENV.items():
        maybe_set(result, key, env_name, environ)
    production = asbool(result["olympix.production"])
    result["olympix.production"] = production

    required = [
        "sqlalchemy.url",
        "olympix.session_secret",
        "olympix.code_pepper",
        "olympix.data_keys",
        "olympix.ticket_keys",
    ]
    for key in required:
        if not str(result.get(key, "")).strip():
            raise SettingsError(
                f"setting {key!r} is missing: set it in the ini file "
                f"or in the environment variable {SECRET_ENV[key]}"
            )
    if production:
        for key, env_name in SECRET_ENV.items():
            value = str(result.get(key, ""))
            if DEVELOPMENT_MARKER in value:
                raise SettingsError(
                    f"setting {key!r} holds a development value; production "
                    f"needs a real secret in {env_name}"
                )
        if result["sqlalchemy.url"].startswith("sqlite"):
            raise SettingsError(
                "production needs a MariaDB/MySQL database in OLYMPIX_DATABASE_URL"
            )
        # Without them the webhook and the return link would be checked
        # against an empty HMAC key.
        for key in PRODUCTION_REQUIRED:
            if not str(result.get(key, "")).strip():
                raise SettingsError(
                    f"setting {key!r} is missing: production needs it in {SECRET_ENV[key]}"
                )
        for key in ("olympix.payment.backend", "olympix.clock", "olympix.sms.backend",
                    "olympix.email.backend"):
            # Test doubles; the console sender logs messages (codes) in clear.
            if any(part in str(result.get(key, "")) for part in (".Fake", ".Console")):
                raise SettingsError(f"setting {key!r} names a development backend; production needs the real one")
        if "pyramid_debugtoolbar" in str(result.get("pyramid.includes", "")):
            raise SettingsError("setting 'pyramid.includes' lists pyramid_debugtoolbar: never in production")
    for key in KEYRINGS:
        try:
            result[key + ".parsed"] = Keyring.from_setting(result[key])
        except ValueError as exc:
            raise SettingsError(f"setting {key!r}: {exc}") from None
        if production and any(DEVELOPMENT_MARKER.encode() in k for k in result[key + ".parsed"].keys.values()):
            raise SettingsError(
                f"setting {key!r} holds a development key; production needs real keys in {SECRET_ENV[key]}"
            )
    if len(result["olympix.session_secret"]) < 32:
        raise SettingsError("olympix.session_secret must be at least 32 characters")
    for key in ("olympix.argon2.time_cost", "olympix.argon2.memory_cost",
                "olympix.argon2.parallelism", "olympix.booking.max_per_event",
                "olympix.booking.max_per_account", "olympix.booking.hold_minutes",
                "olympix.tickets.visible_before", "olympix.gate.opens_before",
                "olympix.booking.relapse_minutes", "olympix.booking.holds_per_address_hour",
                "olympix.queue.window_minutes", "olympix.queue.pass_minutes", "olympix.queue.open_minutes",
                "olympix.queue.default_rate", "olympix.queue.max_inside", "olympix.queue.places_per_address",
                "olympix.catalogue.reference_ttl"):
        try:
            result[key] = int(result[key])
        except (TypeError, ValueError):
            raise SettingsError(f"setting {key!r} must be an integer") from None
    result["olympix.session.secure"] = asbool(result["olympix.session.secure"])
    try:
        result["olympix.trusted_proxies.parsed"] = parse_proxies(result["olympix.trusted_proxies"])
    except ValueError as exc:
        raise SettingsError(f"setting 'olympix.trusted_proxies': {exc}") from None
    if result["olympix.default_locale"] not in ("fr", "en"):
        raise SettingsError("olympix.default_locale must be fr or en")
    return result
