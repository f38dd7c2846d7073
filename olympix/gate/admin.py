"""Administrators: gates by venue, opened and closed; device tokens, shown once.

Every change is audited by the services (``services.py``, ``tokens.py``).
"""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..formatting import venue_zone
from ..i18n import _
from ..resources.gate import GatesAdmin
from ..schemas import gate as schemas
from ..security.permissions import Permission
from ..views.forms import FormError, FormView, flash
from . import services as service
from . import tokens
from .desk import form_int

TEMPLATE = "olympix:templates/gate/{}.jinja2"


@view_defaults(context=GatesAdmin, permission=Permission.ADMIN)
class GatesAdminViews:
    """The list of gates with their tokens, and its two buttons (open/close, revoke)."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def _back(self):
        return HTTPSeeOther(self.request.resource_url(self.context))

    @view_config(request_method="GET", renderer=TEMPLATE.format("admin"))
    def list(self):
        return {"venues": [(venue, venue_zone(venue), gates)
                           for venue, gates in service.gates_by_venue(self.request)],
                "tokens": tokens.tokens_by_gate(self.request)}

    @view_config(name="toggle", request_method="POST")
    def toggle(self):
        request = self.request
        gate = service.get_gate(request, form_int(request.POST.get("gate_id")), active_only=False)
        if gate is None:
            raise HTTPNotFound()
        service.set_gate_active(request, gate, not gate.active)
        flash(request, _("Gate %(name)s is now open for scanning.") if gate.active
              else _("Gate %(name)s is now closed."), name=gate.name)
        return self._back()

    @view_config(name="revoke", request_method="POST")
    def revoke(self):
        row = tokens.get_token(self.request, form_int(self.request.POST.get("token_id")))
        if row is None:
            raise HTTPNotFound()
        if tokens.revoke_token(self.request, row):
            flash(self.request, _("Device token revoked."))
        return self._back()


@view_config(context=GatesAdmin, name="add-gate", permission=Permission.ADMIN, renderer=TEMPLATE.format("form"))
class AddGateForm(FormView):
    schema_class = schemas.GateSchema
    button = _("Create the gate")

    def bind(self):
        lang = self.request.locale_name
        return {"venues": [(str(v.id), v.name(lang)) for v in service.venues(self.request)]}

    def values(self):
        return {"page_title": _("New gate")}

    def success(self, data):
        request = self.request
        venue = service.get_venue(request, data["venue_id"])
        if venue is None:
            raise FormError(_("Choose a venue."), "venue_id")
        if service.find_gate(request, data["code"], active_only=False) is not None:
            raise FormError(_("Another gate already has this code."), "code")
        service.create_gate(request, venue, data["name"], data["code"])
        flash(request, _("Gate %(name)s created."), name=data["name"])
        return HTTPSeeOther(request.resource_url(self.context))


@view_config(context=GatesAdmin, name="add-token", permission=Permission.ADMIN, renderer=TEMPLATE.format("form"))
class AddTokenForm(FormView):
    """Its success is the page that shows the token, once (never cached)."""

    schema_class = schemas.DeviceTokenSchema
    button = _("Create the token")

    def bind(self):
        request, lang = self.request, self.request.locale_name
        gates = [(str(g.id), f"{venue.name(lang)} — {g.name}")
                 for venue, found in service.gates_by_venue(request, active_only=True) for g in found]
        agents = [(str(u.id), f"{u.full_name} <{u.email}>") for u in service.agents(request)]
        return {"gates": gates, "agents": agents}

    def values(self):
        return {"page_title": _("New device token")}

    def success(self, data):
        request = self.request
        gate = service.get_gate(request, data["gate_id"])
        agent = service.get_agent(request, data["agent_id"])
        if gate is None:
            raise FormError(_("Choose an open gate."), "gate_id")
        if agent is None:
            raise FormError(_("Choose an active agent."), "agent_id")
        row, token = tokens.issue_token(request, gate, agent, data["label"], actor=request.identity)
        request.response.headers["Cache-Control"] = "no-store"
        return {"form": None, "token": token, "row": row, "gate": gate, "agent": agent,
                "page_title": _("Device token created")}
