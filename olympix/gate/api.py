"""The scanning devices' JSON API: ``POST /api/gate/scans``.

Registered by the gate's ``includeme`` (the one contract with devices is
wired in one place). Request ``{"code": "...", "gate": "...", "event": id?}``;
the answer is ``verdicts.describe``. A device's bearer token carries no
cookie, so it needs no CSRF check; a browser session must send the
session's token in ``X-CSRF-Token``.
"""
from pyramid.csrf import check_csrf_origin, check_csrf_token

from ..i18n import _
from ..security.policy import device_token
from ..views.errors import error_response
from . import services as service
from .desk import MAX_CODE_CHARS
from .verdicts import describe


def scan_view(context, request):
    """Scan one code at the device's gate (or the named one) and answer the verdict."""
    token = device_token(request)
    if token is None and not (check_csrf_token(request, raises=False)
                              and check_csrf_origin(request, raises=False)):
        return error_response(request, 400, _("This form has expired. Please reload the page and "
                                              "submit it again."))
    try:
        body = request.json_body
    except (ValueError, RecursionError):  # not JSON, or nested beyond what the parser follows
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return error_response(request, 400, _("Send a JSON object with the scanned code in \"code\"."))
    gate_code = body.get("gate")
    if gate_code is not None and not isinstance(gate_code, str):
        return error_response(request, 400, _("\"gate\" must be the code of a gate."))
    if token is not None:
        gate = token.gate
        if gate_code not in (None, "", gate.code):
            return error_response(request, 403, _("This device is registered for another gate."))
    elif not gate_code:
        return error_response(request, 400, _("Say at which gate (\"gate\")."))
    else:
        gate = service.find_gate(request, gate_code)
        if gate is None:
            return error_response(request, 404, _("No active gate has this code."))
    event_id = body.get("event")
    if event_id is not None and (isinstance(event_id, bool) or not isinstance(event_id, int)):
        return error_response(request, 400, _("\"event\" must be an event number."))
    result = service.scan_code(request, body["code"][:MAX_CODE_CHARS], gate, device_token=token,
                               event_id=event_id)
    return describe(result, request.fmt)
