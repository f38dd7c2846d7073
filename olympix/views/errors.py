"""Not found, forbidden, bad requests and failures, as pages or JSON.

The API (``/api/…``) answers JSON errors; people get a page in their
language. Anonymous visitors who hit a protected page are sent to sign in.
"""
import html
import logging
from urllib.parse import unquote_to_bytes

from pyramid.events import ContextFound, subscriber
from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import (
    HTTPBadRequest,
    HTTPClientError,
    HTTPForbidden,
    HTTPNotFound,
    HTTPSeeOther,
)
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid_retry import is_error_retryable
from pyramid.view import (
    exception_view_config,
    forbidden_view_config,
    notfound_view_config,
)

from ..i18n import _, translate
from ..resources.orders import OrderResource
from ..resources.tickets import TicketResource
from ..security.permissions import Permission

log = logging.getLogger(__name__)

MESSAGES = {
    400: _("The request could not be understood. Please go back and try again."),
    403: _("You do not have access to this page."),
    404: _("This page does not exist, or no longer exists."),
    405: _("This address does not accept that kind of request."),
    500: _("Something went wrong on our side. Nothing was changed; please try again in a moment."),
}
CSRF_MESSAGE = _("This form has expired. Please reload the page and submit it again.")


def wants_json(request):
    return request.path.startswith("/api/") or request.accept.best_match(
        ["text/html", "application/json"]) == "application/json"


def error_response(request, status, message):
    text = translate(request, message)
    if wants_json(request):
        response = request.response
        response.status_int = status
        response.content_type = "application/json"
        response.json_body = {"error": text, "status": status}
        return response
    try:
        response = render_to_response("olympix:templates/site/error.jinja2",
                                      {"status": status, "message": text}, request=request)
    except Exception:
        # The page frame reads the database (who is signed in); after a
        # failed commit the request's transaction cannot be used any more.
        # A plain page still tells the person what happened.
        log.exception("the error page could not be rendered")
        response = request.response
        response.content_type = "text/html"
        response.text = (f'<!doctype html><html lang="{request.locale_name}"><meta charset="utf-8">'
                         f"<title>{status}</title><p>{html.escape(text)}</p>"
                         f'<p><a href="/">olympix</a></p></html>')
    response.status_int = status
    return response


# A person's own rows, found by a guessable id: whoever may not see one gets
# the answer of a row that does not exist (ids are sequential: a 403 told
# which ones exist). Signed-out visitors are sent to sign in either way.
PRIVATE_ITEMS = ((TicketResource, Permission.TICKET_VIEW), (OrderResource, Permission.ORDER_VIEW))
PRIVATE_FOLDERS = ("/tickets/", "/orders/")


def _sign_in_first(request):
    login = request.resource_url(request.root, "account", "@@login", query={"next": request.path_qs})
    return HTTPSeeOther(login)


@notfound_view_config()
def not_found(exc, request):
    if (request.method == "GET" and not wants_json(request)
            and request.environ.get("PATH_INFO", "").startswith(PRIVATE_FOLDERS) and request.identity is None):
        return _sign_in_first(request)
    return error_response(request, 404, MESSAGES[404])


def _hidden(request):
    context = request.context
    if not request.environ.get("PATH_INFO", "").startswith(PRIVATE_FOLDERS):
        return False  # the back office's order pages: a 403 tells staff pages from others
    return any(isinstance(context, cls) and not request.has_permission(permission, context)
               for cls, permission in PRIVATE_ITEMS)


@forbidden_view_config()
def forbidden(exc, request):
    if request.identity is None and not wants_json(request) and request.method == "GET":
        return _sign_in_first(request)
    if request.identity is not None and _hidden(request):
        return error_response(request, 404, MESSAGES[404])
    if request.identity is None and wants_json(request):
        return error_response(request, 401, _("Sign in first."))
    return error_response(request, 403, MESSAGES[403])


@exception_view_config(BadCSRFToken)
def bad_csrf(exc, request):
    return error_response(request, 400, CSRF_MESSAGE)


@exception_view_config(HTTPClientError)
def client_error(exc, request):
    if isinstance(exc, (HTTPNotFound, HTTPForbidden)):
        return error_response(request, exc.status_int, MESSAGES[exc.status_int])
    message = MESSAGES.get(exc.status_int, MESSAGES[400])
    return error_response(request, exc.status_int, message)


@exception_view_config(Exception)
def failure(exc, request):
    if is_error_retryable(request, exc):
        # pyramid_retry replays the request and discards this answer: a
        # deadlock or a lost race replayed is not an error (issue 15.7). Only
        # a failure of the last attempt is logged as one.
        log.info("replaying %s %s (attempt %d of %d) after %s", request.method, request.path,
                 request.environ["retry.attempt"] + 1, request.environ["retry.attempts"],
                 type(exc).__name__)
        return Response(status=503)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(request, 500, MESSAGES[500])


@subscriber(ContextFound)
def readable_body(event):
    """A form body WebOb cannot parse (multipart without a boundary…) is a 400.

    Read here, before the CSRF check and the views read ``request.POST``,
    and inside the exception views, so the answer is the usual error page.
    """
    try:
        event.request.POST.items()
    except ValueError:  # UnicodeDecodeError included
        raise HTTPBadRequest() from None


def _undecodable(environ):
    """True when the address (path or query) is not UTF-8 once unquoted."""
    try:
        environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
        unquote_to_bytes(environ.get("QUERY_STRING", "").replace("+", " ")).decode("utf-8")
    except UnicodeError:
        return True
    return False


def undecodable_address_tween_factory(handler, registry):
    """Refuse an address that is not UTF-8 before anything reads it.

    WebOb raises UnicodeDecodeError from ``request.path`` or ``request.GET``
    on such an address, even in the error views and the security policy,
    so the answer is built here, plainly, without the layout.
    """

    def tween(request):
        if not _undecodable(request.environ):
            return handler(request)
        text = translate(request, MESSAGES[400])  # the language comes from cookies and headers only
        if request.environ.get("PATH_INFO", "").startswith("/api/"):
            response = Response(status=400, content_type="application/json", charset="utf-8")
            response.json_body = {"error": text, "status": 400}
            return response
        body = (f'<!doctype html><html><head><meta charset="utf-8"><title>400</title></head>'
                f"<body><p>{html.escape(text)}</p></body></html>")
        return Response(body, status=400, content_type="text/html", charset="utf-8")

    return tween
