"""The scanning devices' JSON API: ``POST /api/gate/scans``, ``GET /api/gate/bundle``, ``POST /api/gate/sync``.

Registered by the gate's ``includeme`` (the one contract with devices is
wired in one place). Request ``{"code": "...", "gate": "...", "event": id?}``;
the answer is ``verdicts.describe``. A device's bearer token carries no
cookie, so it needs no CSRF check; a browser session must send the
session's token in ``X-CSRF-Token``.
"""
from pyramid.csrf import check_csrf_origin, check_csrf_token

from ..i18n import _
from ..security.device_tokens import bearer_from_header
from ..security.policy import device_token
from ..views.errors import error_response
from . import offline
from . import services as service
from . import sync
from .desk import MAX_CODE_CHARS
from .verdicts import describe


def _expired(request):
    return error_response(request, 400, _("This form has expired. Please reload the page and submit it again."))


def _session_ok(request, token):
    """A device token needs no CSRF check (no cookie); a browser session does."""
    return token is not None or (check_csrf_token(request, raises=False)
                                 and check_csrf_origin(request, raises=False))


def _json_body(request):
    try:
        body = request.json_body
    except (ValueError, RecursionError):  # not JSON, or nested beyond what the parser follows
        return None
    return body if isinstance(body, dict) else None


def _gate_of(request, token, gate_code):
    """(gate, None) for the device's gate or the named one, or (None, error response)."""
    if gate_code is not None and not isinstance(gate_code, str):
        return None, error_response(request, 400, _("\"gate\" must be the code of a gate."))
    if token is not None:
        if gate_code not in (None, "", token.gate.code):
            return None, error_response(request, 403, _("This device is registered for another gate."))
        return token.gate, None
    if not gate_code:
        return None, error_response(request, 400, _("Say at which gate (\"gate\")."))
    gate = service.find_gate(request, gate_code)
    if gate is None:
        return None, error_response(request, 404, _("No active gate has this code."))
    return gate, None


def scan_view(context, request):
    """Scan one code at the device's gate (or the named one) and answer the verdict."""
    token = device_token(request)
    if not _session_ok(request, token):
        return _expired(request)
    body = _json_body(request)
    if body is None or not isinstance(body.get("code"), str):
        return error_response(request, 400, _("Send a JSON object with the scanned code in \"code\"."))
    gate, error = _gate_of(request, token, body.get("gate"))
    if error is not None:
        return error
    event_id = body.get("event")
    if event_id is not None and (isinstance(event_id, bool) or not isinstance(event_id, int)):
        return error_response(request, 400, _("\"event\" must be an event number."))
    result = service.scan_code(request, body["code"][:MAX_CODE_CHARS], gate, device_token=token,
                               event_id=event_id)
    return describe(result, request.fmt)


def bundle_view(context, request):
    """What the gate needs to judge its sessions' tickets offline, sealed to the device (offline.py)."""
    token = device_token(request)
    gate, error = _gate_of(request, token, request.params.get("gate"))
    if error is not None:
        return error
    key = offline.device_key(offline_token(request)) if token is not None else offline.session_key(request)
    request.response.cache_control = "private, no-store"
    return offline.seal(offline.build(request, gate), key)


def offline_token(request):
    """The bearer token itself (the bundle key is derived from it; only its hash is stored)."""
    return bearer_from_header(request.headers.get("Authorization"))


def sync_view(context, request):
    """Apply a gate's offline journal (sync.py): idempotent by each scan's nonce, a bad entry refused alone."""
    token = device_token(request)
    if not _session_ok(request, token):
        return _expired(request)
    body = _json_body(request)
    if body is None:
        return error_response(request, 400, _("Send a JSON object with the journal's scans in \"scans\"."))
    gate, error = _gate_of(request, token, body.get("gate"))
    if error is not None:
        return error
    try:
        journal = sync.parse(request, body)
    except sync.SyncError as refused:
        return error_response(request, 400, refused.message)
    return sync.apply(request, gate, journal, agent_id=request.identity.id,
                      device_token_id=token.id if token is not None else None)
