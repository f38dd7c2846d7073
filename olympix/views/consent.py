"""The cookie banner: nothing but strictly necessary cookies until consent.

Strictly necessary: the session (sign-in, CSRF), the language the person
picked, and this choice itself. The only optional cookie is olympix's own
audience measurement (``olympix_visitor``), set only after "Accept".
"""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..resources.root import Root
from ..security.permissions import Permission
from .navigation import safe_next

CONSENT_COOKIE = "olympix_consent"
CONSENT_MAX_AGE = 183 * 24 * 3600  # six months, as the CNIL recommends
VISITOR_COOKIE = "olympix_visitor"
CHOICES = ("all", "necessary")


def consent_choice(request):
    """"all", "necessary", or None when the person has not chosen yet."""
    choice = request.cookies.get(CONSENT_COOKIE)
    return choice if choice in CHOICES else None


@view_config(context=Root, name="cookies", renderer="olympix:templates/site/cookies.jinja2",
             permission=Permission.SITE_VIEW, request_method="GET")
def cookie_settings(request):
    target = safe_next(request, request.params.get("next"))
    # The form posts the path back: safe_next only takes paths on this site.
    return {"next": target[len(request.application_url):] or "/"}


# No CSRF token: the only effect is a preference cookie in the sender's own
# browser, and skipping the token keeps anonymous visitors free of any
# session cookie until they sign in.
@view_config(context=Root, name="cookies", permission=Permission.SITE_VIEW, request_method="POST",
             require_csrf=False)
def save_cookie_choice(request):
    choice = "all" if request.POST.get("choice") == "all" else "necessary"
    response = HTTPSeeOther(safe_next(request, request.POST.get("next")))
    response.set_cookie(CONSENT_COOKIE, choice, max_age=CONSENT_MAX_AGE, samesite="Lax",
                        httponly=True, secure=request.registry.settings["olympix.session.secure"])
    if choice == "necessary":
        response.delete_cookie(VISITOR_COOKIE)
    return response
