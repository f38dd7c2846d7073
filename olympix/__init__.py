"""olympix: the official ticket office of an Olympic Games."""
from pyramid.config import Configurator

from . import settings as olympix_settings


def main(global_config, **settings):
    """Build the WSGI application."""
    settings = olympix_settings.parse(settings)
    settings.setdefault("jinja2.i18n.domain", "olympix")
    settings.setdefault("jinja2.newstyle", "true")
    settings.setdefault("retry.attempts", "3")
    with Configurator(settings=settings) as config:
        config.include("pyramid_jinja2")  # templates before anything renders
        config.include(".i18n")  # locale negotiation and catalogues
        config.include(".models")  # request.dbsession, pyramid_tm, pyramid_retry
        config.include(".security")  # sessions, policy, CSRF, passwords
        config.include(".services")  # clock, e-mail, SMS
        config.include(".resources")  # the traversal root
        config.include(".views")  # static assets, template globals, forms
        config.include(".gate")  # the gate's services and device API
        config.scan(ignore=["olympix.scripts"])
    return config.make_wsgi_app()
