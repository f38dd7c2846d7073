"""Every ``olympix.*`` setting, parsed once at start-up.

Ini files carry all non-secret configuration. Secrets may come from
environment variables (``maybe_set``, warehouse's pattern) so that
production.ini holds no credential; in production a missing secret, or one
of the development values shipped in development.ini, stops the start-up.
"""
import os
from urllib.parse import urlsplit

from pyramid.settings import asbool
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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
    # Not secrets, but where the deployment keeps its files: the database's TLS.
    "olympix.db.ssl_ca": "OLYMPIX_DB_SSL_CA",
    "olympix.db.ssl_cert": "OLYMPIX_DB_SSL_CERT",
    "olympix.db.ssl_key": "OLYMPIX_DB_SSL_KEY",
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
    # OWASP's argon2id profile (Password Storage Cheat Sheet): 19 MiB, t=2,
    # p=1 protects as well as argon2-cffi's 64 MiB/t=3/p=4 at about a quarter
    # of the time and memory per sign-in. Older hashes are re-made at the
    # next sign-in (services/accounts.authenticate).
    "olympix.argon2.time_cost": "2",
    "olympix.argon2.memory_cost": "19456",
    "olympix.argon2.parallelism": "1",
    "olympix.session.secure": "false",
    "olympix.session.lifetime": "12",  # hours a signed-in session lasts at most, however busy
    "olympix.default_locale": "fr",
    "olympix.base_url": "http://127.0.0.1:6543",
    "mail.default_sender": "Olympix <no-reply@olympix.test>",
    "olympix.payment.backend": "olympix.services.payment_gateway.SandboxPaymentGateway",
    "olympix.booking.max_per_event": "6",
    "olympix.booking.max_per_account": "30",
    "olympix.booking.hold_minutes": "10",
    # Hours before a session until which its buyers may cancel (events that allow it).
    "olympix.booking.self_cancel_before": "48",
    # Resale at face value closes this many hours before a session; the fee
    # (cents) is kept from what the seller gets back.
    "olympix.resale.deadline_before": "12",
    "olympix.resale.fee_cents": "0",
    # Hours the next in line of a waiting list has to pay for the seats reserved for them.
    "olympix.waiting_list.offer_hours": "24",
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
    # Seconds a process reuses the tickets of a venue's offline bundles (its devices refresh each minute).
    "olympix.gate.bundle_reuse_seconds": "20",
    # The managers' anomalies (issue 12.4, docs/tickets-and-gates.md): refused scans
    # from one device within one minute that make a brute force; holds and
    # purchases from one account or one address within burst_minutes that
    # make a burst (a bot); lapsed holds of one account in one day.
    "olympix.anomalies.brute_force_scans": "10",
    "olympix.anomalies.burst_minutes": "10",
    "olympix.anomalies.holds_per_account": "5",
    "olympix.anomalies.holds_per_address": "20",
    "olympix.anomalies.purchases_per_account": "3",
    "olympix.anomalies.purchases_per_address": "10",
    "olympix.anomalies.lapses_per_day": "3",
    "olympix.redis.url": "",  # empty: counters and queues fall back on the database
    "olympix.redis.prefix": "olympix:",
    "olympix.trusted_proxies": "",  # proxies whose X-Forwarded-For names the client  # minutes before a session starts that its gates open
}

ANOMALY_SETTINGS = tuple(key for key in DEFAULTS if key.startswith("olympix.anomalies."))

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
    # pyramid_tm would read the signed-in user (a database query) to annotate
    # each transaction, in its tween, outside the error views: with the
    # database down every signed-in person got the server's bare 500.
    # The audit log says who did what; the annotation is not needed.
    result["tm.annotate_user"] = False
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
                "olympix.booking.self_cancel_before", "olympix.resale.deadline_before",
                "olympix.resale.fee_cents", "olympix.waiting_list.offer_hours",
                "olympix.tickets.visible_before", "olympix.gate.opens_before",
                "olympix.gate.bundle_reuse_seconds",
                "olympix.booking.relapse_minutes", "olympix.booking.holds_per_address_hour",
                "olympix.queue.window_minutes", "olympix.queue.pass_minutes", "olympix.queue.open_minutes",
                "olympix.queue.default_rate", "olympix.queue.max_inside", "olympix.queue.places_per_address",
                "olympix.catalogue.reference_ttl", "olympix.session.lifetime",
                *ANOMALY_SETTINGS):
        try:
            result[key] = int(result[key])
        except (TypeError, ValueError):
            raise SettingsError(f"setting {key!r} must be an integer") from None
    for key in ANOMALY_SETTINGS:
        if result[key] < 1:  # 0 would make every device, account and address an anomaly
            raise SettingsError(f"setting {key!r} must be at least 1")
    result["olympix.session.secure"] = asbool(result["olympix.session.secure"])
    try:
        result["olympix.trusted_proxies.parsed"] = parse_proxies(result["olympix.trusted_proxies"])
    except ValueError as exc:
        raise SettingsError(f"setting 'olympix.trusted_proxies': {exc}") from None
    if result["olympix.default_locale"] not in ("fr", "en"):
        raise SettingsError("olympix.default_locale must be fr or en")
    database_tls(result)
    if production:
        refuse_unsafe_production(result)
    else:
        refuse_deployed_without_production(result)
    return result


# --- TLS to MariaDB (issue 15.9) ------------------------------------------------
# The certificate files join the database URL as the query parameters
# SQLAlchemy's MySQL dialects read (ssl_ca, ssl_cert, ssl_key), so the
# application, the commands and alembic all connect the same way. With a CA,
# PyMySQL requires the server's certificate and checks its host name.
DB_TLS = {"olympix.db.ssl_ca": "ssl_ca", "olympix.db.ssl_cert": "ssl_cert", "olympix.db.ssl_key": "ssl_key"}


def database_tls(result):
    wanted = {param: str(result[key]).strip() for key, param in DB_TLS.items() if str(result.get(key) or "").strip()}
    if not wanted:
        return
    if str(result["sqlalchemy.url"]).startswith("sqlite"):
        raise SettingsError("setting 'olympix.db.ssl_ca': TLS settings need a MariaDB/MySQL database")
    if "ssl_ca" not in wanted:
        raise SettingsError("setting 'olympix.db.ssl_ca' is missing: a client certificate needs the CA "
                            "that signed the server's certificate")
    if ("ssl_cert" in wanted) != ("ssl_key" in wanted):
        raise SettingsError("settings 'olympix.db.ssl_cert' and 'olympix.db.ssl_key' go together")
    for key, param in DB_TLS.items():
        if param in wanted and not os.path.isfile(wanted[param]):
            raise SettingsError(f"setting {key!r}: no file {wanted[param]!r}")
    url = make_url(result["sqlalchemy.url"]).update_query_dict(wanted)
    result["sqlalchemy.url"] = url.render_as_string(hide_password=False)


def database_uses_tls(url):
    return "ssl_ca" in make_url(url).query


# --- what production refuses beyond development values (issue 15.8) ----------

MIN_LENGTHS = {"olympix.session_secret": 32, "olympix.code_pepper": 32,
               "olympix.payment.webhook_secret": 24}
# Secrets that must each be their own: one leaked must not open the others.
DISTINCT_SECRETS = ("olympix.session_secret", "olympix.code_pepper", "olympix.payment.webhook_secret",
                    "olympix.payment.api_key")
MIN_DISTINCT_CHARACTERS = 10  # "ssss…" or "abab…" is long but guessable
MIN_DISTINCT_KEY_BYTES = 16  # 32 random bytes have about 30 distinct values
HTTPS_URLS = ("olympix.base_url", "olympix.payment.url", "olympix.payment.notify_url", "olympix.sms.url")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def refuse_unsafe_production(result):
    """Raise SettingsError naming the first unsafe production setting."""
    for key, length in MIN_LENGTHS.items():
        value = str(result.get(key, ""))
        if len(value) < length:
            raise SettingsError(f"setting {key!r} must be at least {length} random characters in production "
                                f"({SECRET_ENV[key]})")
        if len(set(value)) < MIN_DISTINCT_CHARACTERS:
            raise SettingsError(f"setting {key!r} is too simple (too few different characters): "
                                f"production needs a random value in {SECRET_ENV[key]}")
    seen = {}
    for key in DISTINCT_SECRETS:
        value = str(result.get(key, ""))
        if value and value in seen:
            raise SettingsError(f"setting {key!r} holds the same value as {seen[value]!r}: "
                                f"every secret needs its own value")
        seen.setdefault(value, key)
    owners = {}
    for key in KEYRINGS:
        for key_id, key_bytes in result[key + ".parsed"].keys.items():
            if len(set(key_bytes)) < MIN_DISTINCT_KEY_BYTES:
                raise SettingsError(f"setting {key!r}: key {key_id} is too simple: production needs "
                                    f"random keys (openssl rand -base64 32) in {SECRET_ENV[key]}")
            if owners.get(key_bytes, key) != key:
                raise SettingsError(f"setting {key!r} holds the same key as {owners[key_bytes]!r}: "
                                    f"the data keys and the ticket keys must differ")
            owners[key_bytes] = key
    host = make_url(result["sqlalchemy.url"]).host
    if not _is_local((host or "").strip("[]")) and not database_uses_tls(result["sqlalchemy.url"]):
        raise SettingsError(f"the database on {host!r} is reached without TLS: set olympix.db.ssl_ca "
                            f"(OLYMPIX_DB_SSL_CA), and olympix.db.ssl_cert/ssl_key for a client certificate")
    if not result["olympix.session.secure"]:
        raise SettingsError("setting 'olympix.session.secure' is false: production sends the session "
                            "cookie over HTTPS only (set it to true)")
    for key in HTTPS_URLS:
        value = str(result.get(key) or "")
        if value and not value.startswith("https://"):
            raise SettingsError(f"setting {key!r} is {value!r}: production needs an https:// address")
    for key, value in result.items():
        debug = key.startswith("pyramid.debug_") or key in ("pyramid.reload_templates", "pyramid.reload_all")
        if debug and asbool(value):
            raise SettingsError(f"setting {key!r} is true: never in production (it shows internals "
                                f"or reloads code)")


def _is_local(host):
    return not host or host in LOCAL_HOSTS or host.startswith("127.")


def refuse_deployed_without_production(result):
    """``olympix.production = false`` switches every check above off: not on a deployed site."""
    url = str(result["sqlalchemy.url"])
    if not url.startswith("sqlite"):
        try:
            host = make_url(url).host
        except ArgumentError:
            raise SettingsError("setting 'sqlalchemy.url' is not a database URL") from None
        if not _is_local((host or "").strip("[]")):
            raise SettingsError(
                f"olympix.production = false with a database on {host!r}: that switches off every "
                f"production check. Set olympix.production = true, or use a local database to develop.")
    base = urlsplit(str(result.get("olympix.base_url", "")))
    if base.scheme == "https" and not _is_local(base.hostname):
        raise SettingsError(
            f"olympix.production = false with the public address {result['olympix.base_url']!r}: that "
            f"switches off every production check. Set olympix.production = true.")
