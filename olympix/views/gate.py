"""The gate: the agents' scanning page, the devices' JSON API, the
administrators' gates and device tokens, and deactivating tickets.

The scanning page works with and without JavaScript: gate.js sends each
code to ``POST /api/gate/scans`` and shows the verdict over the page; without
it the form posts to ``@@scan`` which answers a full-screen verdict page
whose own form has the focus for the next code.
"""
from pyramid.csrf import check_csrf_origin, check_csrf_token
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..gate.scan import REASON_TEXTS, STATE_WORDS, VERDICT_WORDS, describe, local_time
from ..i18n import _
from ..models import User, Venue
from ..models.gate import DeviceToken
from ..resources.gate import GateApi, GateDesk, GatesAdmin
from ..schemas import gate as schemas
from ..security.permissions import Permission
from ..security.policy import device_token
from ..services import gate as service
from .errors import error_response
from .forms import FormError, flash, run_form

TEMPLATE = "olympix:templates/gate/{}.jinja2"
SESSION_GATE = "gate.gate_id"
SESSION_EVENT = "gate.event_id"
MAX_CODE_CHARS = 10_000  # far above a code (29); the service refuses what is not one


def includeme(config):
    config.add_nav_item("/gate/", _("Gate"), Permission.GATE_SCAN, order=70)


def _int(value):
    """A row id from a form field, or None (not a number, or no id can be that big)."""
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number < 2**63 else None


@view_defaults(context=GateDesk, permission=Permission.GATE_SCAN)
class GateDeskViews:
    """The agent's scanning page; the gate (and event) chosen once per session."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def _gate(self):
        return service.get_gate(self.request, self.request.session.get(SESSION_GATE))

    def _desk_url(self, *names, **kw):
        return self.request.resource_url(self.context, *names, **kw)

    @view_config(request_method="GET", renderer=TEMPLATE.format("desk"))
    def desk(self):
        request = self.request
        gate = self._gate()
        if gate is None or request.params.get("change"):
            return {"choosing": True, "gate": gate,
                    "venues": service.gates_by_venue(request, active_only=True)}
        event_id = request.session.get(SESSION_EVENT)
        return {"choosing": False, "gate": gate, "events": service.events_at_gate(request, gate),
                "event_id": event_id, "reason_texts": REASON_TEXTS}

    @view_config(name="choose", request_method="POST")
    def choose(self):
        request = self.request
        raw_gate = request.POST.get("gate_id")
        if raw_gate not in (None, ""):
            gate_id = _int(raw_gate)
            if gate_id is None or service.get_gate(request, gate_id) is None:
                flash(request, _("Choose one of the gates listed."), "error")
                return HTTPSeeOther(self._desk_url(query={"change": 1}))
            if gate_id != request.session.get(SESSION_GATE):
                request.session.pop(SESSION_EVENT, None)
            request.session[SESSION_GATE] = gate_id
        if "event_id" in request.POST:
            event_id = _int(request.POST.get("event_id"))
            gate = self._gate()
            allowed = {e.id for e in service.events_at_gate(request, gate)} if gate else set()
            if event_id in allowed:
                request.session[SESSION_EVENT] = event_id
            else:
                request.session.pop(SESSION_EVENT, None)
        return HTTPSeeOther(self._desk_url())

    @view_config(name="scan", request_method="POST", renderer=TEMPLATE.format("verdict"))
    def scan(self):
        """The form fallback (no JavaScript): a full-screen verdict page."""
        request = self.request
        gate = self._gate()
        if gate is None:
            return HTTPSeeOther(self._desk_url())
        code = request.POST.get("code", "")[:MAX_CODE_CHARS]
        result = service.scan_code(request, code, gate, event_id=request.session.get(SESSION_EVENT))
        return {"result": describe(result, request.localizer), "gate": gate}

    @view_config(name="history", request_method="GET", renderer=TEMPLATE.format("history"))
    def history(self):
        request = self.request
        rows = service.agent_history(request, request.identity.id)
        return {"rows": rows, "reason_texts": REASON_TEXTS, "verdict_words": VERDICT_WORDS,
                "local_time": local_time}


@view_defaults(context=GateDesk, name="ticket", permission=Permission.TICKET_DEACTIVATE,
               renderer=TEMPLATE.format("ticket"))
class TicketStaffViews:
    """Find a ticket by serial or code, see its history, deactivate it."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config()
    def ticket(self):
        request = self.request
        query = (request.params.get("q") or "").strip()[:300]
        ticket = service.find_ticket(request, query) if query else None
        values = {"query": query, "ticket": ticket, "form": None, "state_words": STATE_WORDS}
        if ticket is None:
            if request.method == "POST":
                raise HTTPNotFound()
            return values

        def success(data):
            if not service.deactivate_ticket(request, ticket, data["reason"]):
                raise FormError(_("This ticket can no longer be deactivated (already scanned, expired "
                                  "or deactivated)."))
            flash(request, _("Ticket %(serial)s deactivated."), serial=ticket.serial)
            return HTTPSeeOther(request.resource_url(self.context, "@@ticket", query={"q": ticket.serial}))

        if ticket.state in ("paid", "delivered"):
            form = run_form(request, schemas.DeactivateSchema(), _("Deactivate this ticket"), success)
            if not isinstance(form, dict):
                return form
            values.update(form)
        return values


@view_config(context=GateApi, name="scans", request_method="POST", permission=Permission.GATE_SCAN,
             require_csrf=False, renderer="json")
def api_scan(context, request):
    """``POST /api/gate/scans`` ``{"code": "...", "gate": "...", "event": id?}``.

    A device's bearer token carries no cookie, so it needs no CSRF check;
    a browser session must send the session's token in ``X-CSRF-Token``.
    """
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
    return describe(result, request.localizer)


@view_defaults(context=GatesAdmin, permission=Permission.ADMIN)
class GatesAdminViews:
    """Administrators: gates by venue, device tokens (shown once), all audited."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def _back(self):
        return HTTPSeeOther(self.request.resource_url(self.context))

    @view_config(request_method="GET", renderer=TEMPLATE.format("admin"))
    def list(self):
        return {"venues": service.gates_by_venue(self.request),
                "tokens": service.tokens_by_gate(self.request)}

    @view_config(name="add-gate", renderer=TEMPLATE.format("form"))
    def add_gate(self):
        request = self.request

        def success(data):
            venue = request.dbsession.get(Venue, data["venue_id"])
            if venue is None:
                raise FormError(_("Choose a venue."), "venue_id")
            if service.find_gate(request, data["code"], active_only=False) is not None:
                raise FormError(_("Another gate already has this code."), "code")
            service.create_gate(request, venue, data["name"], data["code"])
            flash(request, _("Gate %(name)s created."), name=data["name"])
            return self._back()

        values = run_form(request, schemas.GateSchema(), _("Create the gate"), success)
        if isinstance(values, dict):
            values["page_title"] = _("New gate")
        return values

    @view_config(name="toggle", request_method="POST")
    def toggle(self):
        request = self.request
        gate = service.get_gate(request, _int(request.POST.get("gate_id")), active_only=False)
        if gate is None:
            raise HTTPNotFound()
        service.set_gate_active(request, gate, not gate.active)
        flash(request, _("Gate %(name)s is now open for scanning.") if gate.active
              else _("Gate %(name)s is now closed."), name=gate.name)
        return self._back()

    @view_config(name="add-token", renderer=TEMPLATE.format("form"))
    def add_token(self):
        request = self.request

        def success(data):
            gate = service.get_gate(request, data["gate_id"])
            agent = request.dbsession.get(User, data["agent_id"])
            if gate is None:
                raise FormError(_("Choose an open gate."), "gate_id")
            if agent is None or agent not in service.agents(request):
                raise FormError(_("Choose an active agent."), "agent_id")
            row, token = service.issue_token(request, gate, agent, data["label"], actor=request.identity)
            request.response.headers["Cache-Control"] = "no-store"  # the token is shown once
            return {"form": None, "token": token, "row": row, "gate": gate, "agent": agent,
                    "page_title": _("Device token created")}

        values = run_form(request, schemas.DeviceTokenSchema(), _("Create the token"), success)
        if isinstance(values, dict):
            values.setdefault("page_title", _("New device token"))
        return values

    @view_config(name="revoke", request_method="POST")
    def revoke(self):
        request = self.request
        row = request.dbsession.get(DeviceToken, _int(request.POST.get("token_id")) or 0)
        if row is None:
            raise HTTPNotFound()
        if service.revoke_token(request, row):
            flash(request, _("Device token revoked."))
        return self._back()
