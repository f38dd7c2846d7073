"""The database cannot be reached: a 503 in the person's language, never a traceback.

Reached once pyramid_retry has given up (models/retry.py replays a request
a few times, pausing so that a failover can happen first). The page is
plain HTML: the usual frame reads the database (who is signed in), which is
exactly what is missing. The payment provider's notifications get a JSON
503 like every /api/ address, so the provider sends them again later and
the order completes when the database is back.
"""
import html
import logging

from pyramid.response import Response
from pyramid.view import exception_view_config
from pyramid_retry import is_last_attempt
from sqlalchemy.exc import DBAPIError, PendingRollbackError

from ..i18n import _, translate
from ..models.retry import is_unavailable
from .errors import failure, wants_json

log = logging.getLogger(__name__)

TITLE = _("The ticket office is briefly unavailable")
MESSAGE = _("We cannot reach our database for a moment. Your confirmed orders and tickets are safe. "
            "If you have just paid, your order will be confirmed as soon as the service is back. "
            "Please try again in a minute.")
RETRY_AFTER = "30"  # seconds: a failover takes a few, a restarted server about a minute


@exception_view_config(DBAPIError)
@exception_view_config(PendingRollbackError)
def database_unavailable(exc, request):
    if not is_unavailable(exc):
        return failure(exc, request)
    if is_last_attempt(request) or "retry.attempt" not in request.environ:
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    message = translate(request, MESSAGE)
    if wants_json(request):
        response = Response(status=503, content_type="application/json", charset="utf-8")
        # A fixed, machine-readable error: the provider and scanners retry on it.
        response.json_body = {"error": "unavailable", "message": message, "status": 503}
    else:
        title = html.escape(translate(request, TITLE))
        body = (f'<!doctype html><html lang="{html.escape(request.locale_name)}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{title}</title></head><body><main>"
                f"<h1>{title}</h1><p>{html.escape(message)}</p>"
                f'<p><a href="/">olympix</a></p></main></body></html>')
        response = Response(body, status=503, content_type="text/html", charset="utf-8")
    response.headers["Retry-After"] = RETRY_AFTER
    return response
