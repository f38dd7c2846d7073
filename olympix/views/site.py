"""The home page and the language switch."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..i18n import LANG_COOKIE, LANGUAGES
from ..resources.root import Root
from ..security.permissions import Permission
from ..services import catalogue
from .event_cards import event_cards
from .navigation import safe_next

LANG_MAX_AGE = 365 * 24 * 3600


@view_config(context=Root, renderer="olympix:templates/site/home.jinja2",
             permission=Permission.SITE_VIEW)
def home(request):
    return {"upcoming": event_cards(request, catalogue.upcoming(request, 3))}


@view_config(context=Root, name="lang", permission=Permission.SITE_VIEW)
def switch_language(request):
    """Remember the language the person picked (a link: works without JS).

    A GET is fine here: the only effect is a preference cookie the person
    asked for, nothing stored on the server.
    """
    lang = request.params.get("l")
    response = HTTPSeeOther(safe_next(request, request.params.get("next")))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_MAX_AGE, samesite="Lax",
                            httponly=True, secure=request.registry.settings["olympix.session.secure"])
    return response
