"""Who may keep a page, and for how long: the one Cache-Control decision (issue 11.2, 15.8).

- A signed-in page is never stored by a browser or a proxy: ``private,
  no-store`` (the m-ticket page carries the live entry code, every page the
  person's name and their session's CSRF token).
- The home page, the search page and the event pages are what a surge reads;
  for a visitor who is not signed in they are the same for everyone of one
  language, so a shared cache (nginx's micro-cache in the production
  topology, deploy/nginx/; docs/deployment.md) may keep them a few seconds:
  ``public, max-age=5`` keeps the seats left within 5 seconds of the truth.
  ``Vary: Cookie, Accept-Language`` names what changes them. A visitor on the
  way to signing in (a session cookie: a form's CSRF token) or a response
  that sets a cookie (the consent choice, the day's visitor id) is never
  shared.
- A view that says ``no-store`` itself (the queue page) keeps it; another
  header a view set is kept unless the page is a signed-in one.
- Static files and the debug toolbar keep their own headers.

The module's name sorts after ``visits`` on purpose: ``config.scan()``
registers subscribers in module order, so this one runs after the visit
counter's, and sees the cookie it may set.
"""
from pyramid.events import NewResponse, subscriber

from ..resources.catalogue import EventResource, EventsFolder
from ..resources.root import Root
from ..security import SESSION_COOKIE
from ..security.policy import SESSION_KEY

MAX_AGE = 5  # seconds: the seats left shown stay this fresh
CATALOGUE = (Root, EventsFolder, EventResource)
PRIVATE = "private, no-store"
OWN_HEADERS = ("/static/", "/_debug_toolbar")


def signed_in(request):
    """Whether the request carries a signed-in session (read from the cookie, no database)."""
    try:
        return SESSION_KEY in request.session
    except Exception:  # a session that cannot be read is nobody's
        return False


def _catalogue_page(request, response):
    return (request.method in ("GET", "HEAD") and response.status_int == 200
            and response.content_type == "text/html"
            and isinstance(getattr(request, "context", None), CATALOGUE)
            and getattr(request, "view_name", None) == "")


def cache_control(request, response):
    """Set the response's Cache-Control (and Vary) as the module's docstring says."""
    # The raw PATH_INFO: request.path raises on an address that is not UTF-8.
    if request.environ.get("PATH_INFO", "").startswith(OWN_HEADERS):
        return
    said = response.headers.get("Cache-Control", "")
    if "no-store" in said:
        return
    if signed_in(request):
        response.headers["Cache-Control"] = PRIVATE
        response.headers.pop("Expires", None)
        return
    if said or not _catalogue_page(request, response):
        return
    response.vary = ("Cookie", "Accept-Language")
    # A session cookie: signed in, or on the way. Not asking for the
    # identity: the page's transaction is over by now.
    if SESSION_COOKIE in request.cookies or "Set-Cookie" in response.headers:
        response.headers["Cache-Control"] = PRIVATE
    else:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"


@subscriber(NewResponse)
def cache_headers(event):
    cache_control(event.request, event.response)
