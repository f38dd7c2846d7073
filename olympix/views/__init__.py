"""Views, grouped by area; this module wires what templates share."""
from ..i18n import LANGUAGE_NAMES, LANGUAGES
from ..security.permissions import Permission
from .consent import consent_choice
from .forms import configure_deform


def template_globals(event):
    request = event.get("request")
    if request is None:
        return
    event["languages"] = LANGUAGES
    event["language_names"] = LANGUAGE_NAMES
    event["consent"] = consent_choice(request)
    event["Permission"] = Permission


def includeme(config):
    config.add_static_view("static", "olympix:static", cache_max_age=3600)
    config.add_subscriber(template_globals, "pyramid.events.BeforeRender")
    configure_deform(config)
