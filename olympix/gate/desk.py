"""The agents' pages: the scanning desk, their history, finding a ticket.

The scanning page works with and without JavaScript: gate.js sends each
code to ``POST /api/gate/scans`` (``api.py``) and shows the verdict over
the page; without it the form posts to ``@@scan`` which answers a
full-screen verdict page whose own form has the focus for the next code.
"""
import base64

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..formatting import venue_zone
from ..i18n import _
from ..resources.gate import GateDesk
from ..schemas import gate as schemas
from ..security.permissions import Permission
from ..views.forms import FormError, FormView, flash
from . import offline
from . import services as service
from .verdicts import DEACTIVATABLE, REASON_TEXTS, describe, reason_word, verdict_word

TEMPLATE = "olympix:templates/gate/{}.jinja2"
SESSION_GATE = "gate.gate_id"
SESSION_EVENT = "gate.event_id"
MAX_CODE_CHARS = 10_000  # far above a code (29); the service refuses what is not one


def form_int(value):
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
        return {"choosing": False, "gate": gate, "events": service.events_at_gate(request, gate),
                "event_id": request.session.get(SESSION_EVENT), "zone": venue_zone(gate.venue),
                # Offline (offline.py): the key of the bundle this session gets,
                # and the reasons in words for the verdicts judged on the device.
                "bundle_key": base64.b64encode(offline.session_key(request)).decode("ascii"),
                "reason_texts": {reason: request.fmt.translate(text) for reason, text in REASON_TEXTS.items()}}

    @view_config(name="choose", request_method="POST")
    def choose(self):
        request = self.request
        raw_gate = request.POST.get("gate_id")
        if raw_gate not in (None, ""):
            gate_id = form_int(raw_gate)
            if gate_id is None or service.get_gate(request, gate_id) is None:
                flash(request, _("Choose one of the gates listed."), "error")
                return HTTPSeeOther(self._desk_url(query={"change": 1}))
            if gate_id != request.session.get(SESSION_GATE):
                request.session.pop(SESSION_EVENT, None)
            request.session[SESSION_GATE] = gate_id
        if "event_id" in request.POST:
            event_id = form_int(request.POST.get("event_id"))
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
        return {"result": describe(result, request.fmt), "gate": gate, "zone": venue_zone(gate.venue),
                "deactivatable": result.ticket is not None and result.state in DEACTIVATABLE}

    @view_config(name="history", request_method="GET", renderer=TEMPLATE.format("history"))
    def history(self):
        request, fmt = self.request, self.request.fmt
        rows = []
        for scan, first, last, serial in service.agent_history(request, request.identity.id):
            zone = venue_zone(scan.gate.venue)
            rows.append({"at": fmt.datetime(scan.at, "seconds", tz=zone), "zone": fmt.zone(zone),
                         "gate": scan.gate.name, "admitted": scan.verdict == "admit",
                         "verdict": verdict_word(fmt, scan.verdict), "reason": reason_word(fmt, scan.reason),
                         "holder": f"{first} {last}" if first is not None else None, "serial": serial})
        # One zone for every row (the usual day at one venue): said once, in the header.
        zones = {row["zone"] for row in rows}
        return {"rows": rows, "zone": zones.pop() if len(zones) == 1 else None}


@view_config(context=GateDesk, name="ticket", permission=Permission.TICKET_DEACTIVATE,
             renderer=TEMPLATE.format("ticket"))
class TicketPage(FormView):
    """Find a ticket by serial or code, see its history, deactivate it (with a reason)."""

    schema_class = schemas.DeactivateSchema
    button = _("Deactivate this ticket")

    def __call__(self):
        query = (self.request.params.get("q") or "").strip()[:300]
        self.query = query
        self.ticket = service.find_ticket(self.request, query) if query else None
        if self.ticket is None and self.request.method == "POST":
            raise HTTPNotFound()
        if self.ticket is None or self.ticket.state not in DEACTIVATABLE:
            return {**self.values(), "form": None}
        return super().__call__()

    def values(self):
        ticket = self.ticket
        return {"query": self.query, "ticket": ticket,
                "zone": venue_zone(ticket.event.venue) if ticket is not None else None}

    def success(self, data):
        ticket = self.ticket
        if not service.deactivate_ticket(self.request, ticket, data["reason"]):
            raise FormError(_("This ticket can no longer be deactivated (already scanned, expired "
                              "or deactivated)."))
        flash(self.request, _("Ticket %(serial)s deactivated."), serial=ticket.serial)
        return HTTPSeeOther(self.request.resource_url(self.context, "@@ticket", query={"q": ticket.serial}))
