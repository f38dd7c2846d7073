"""HTTP caching of the catalogue for anonymous visitors (issue 11.2; docs/deployment.md).

The home page, the search page and the event pages are what a surge reads;
for a visitor who is not signed in they are the same for everyone of one
language, so a shared cache (nginx's micro-cache in the production topology,
deploy/nginx/) may keep them a few seconds: ``public, max-age=5`` keeps the
seats left within 5 seconds of the truth. ``Vary: Cookie, Accept-Language``
names what changes them. A visitor with a session (signed in) gets pages carrying their name, the
Book form and their session's CSRF token: ``private, no-store``, never
shared. A response that sets a cookie (the consent choice, the day's visitor
id) is never shared either.

The module's name sorts after ``visits`` on purpose: ``config.scan()``
registers subscribers in module order, so this one runs after the visit
counter's, and sees the cookie it may set.
"""
from pyramid.events import NewResponse, subscriber

from ..resources.catalogue import EventResource, EventsFolder
from ..resources.root import Root
from ..security import SESSION_COOKIE

MAX_AGE = 5  # seconds: the seats left shown stay this fresh
CATALOGUE = (Root, EventsFolder, EventResource)
PRIVATE = "private, no-store"


def _catalogue_page(request):
    return isinstance(getattr(request, "context", None), CATALOGUE) and getattr(request, "view_name", None) == ""


@subscriber(NewResponse)
def cache_headers(event):
    request, response = event.request, event.response
    if "Cache-Control" in response.headers:  # the view said (the queue page: no-store)
        return
    if request.method not in ("GET", "HEAD") or response.status_int != 200 \
            or response.content_type != "text/html" or not _catalogue_page(request):
        return
    response.vary = ("Cookie", "Accept-Language")
    # A session cookie: signed in, or on the way (a form's CSRF token). Not
    # asking for the identity: the page's transaction is over by now.
    if SESSION_COOKIE in request.cookies or "Set-Cookie" in response.headers:
        response.headers["Cache-Control"] = PRIVATE
    else:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
