"""Security: policy, roles, sessions, CSRF, passwords, codes, keys."""
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import SignedCookieSessionFactory

from . import atrest
from .client_address import client_address
from .passwords import Passwords
from .policy import OlympixSecurityPolicy

SESSION_COOKIE = "olympix_session"


def includeme(config):
    settings = config.get_settings()
    # Holders' and attendees' names are sealed by their columns' type.
    atrest.install(settings["olympix.data_keys.parsed"])
    config.set_session_factory(
        SignedCookieSessionFactory(
            settings["olympix.session_secret"],
            cookie_name=SESSION_COOKIE,
            secure=settings["olympix.session.secure"],
            httponly=True,
            samesite="Lax",
            max_age=None,  # ends with the browser
            timeout=8 * 3600,  # idle time-out, seconds
            reissue_time=600,
        )
    )
    config.set_security_policy(OlympixSecurityPolicy())
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    # Every unsafe method must carry the CSRF token; the gate API's bearer
    # token views opt out explicitly (no cookie, so no CSRF risk).
    config.set_default_csrf_options(require_csrf=True)
    config.registry["passwords"] = Passwords.from_settings(settings)
    config.add_request_method(lambda request: request.registry["passwords"], "passwords", reify=True)
    # The person's address through the trusted proxies (limits per address).
    config.add_request_method(client_address, "client_ip", reify=True)
