"""Gate forms: a new gate, a new device token, deactivating a ticket."""
import colander
import deform

from ..i18n import _
from ..services import gate as gate_service
from .base import CSRFSchema, slug_validator, strip


@colander.deferred
def venue_widget(node, kw):
    from sqlalchemy import select

    from ..models import Venue

    request = kw["request"]
    lang = request.locale_name
    venues = request.dbsession.scalars(select(Venue).order_by(Venue.name_fr))
    return deform.widget.SelectWidget(values=[("", "—")] + [(str(v.id), v.name(lang)) for v in venues])


@colander.deferred
def gate_widget(node, kw):
    request, lang = kw["request"], kw["request"].locale_name
    values = [("", "—")]
    for venue, gates in gate_service.gates_by_venue(request, active_only=True):
        values += [(str(g.id), f"{venue.name(lang)} — {g.name}") for g in gates]
    return deform.widget.SelectWidget(values=values)


@colander.deferred
def agent_widget(node, kw):
    people = gate_service.agents(kw["request"])
    return deform.widget.SelectWidget(values=[("", "—")] + [(str(u.id), f"{u.full_name} <{u.email}>")
                                                             for u in people])


def gate_code_validator(node, value):
    slug_validator(node, value, max_length=64)


class GateSchema(CSRFSchema):
    venue_id = colander.SchemaNode(colander.Int(), title=_("Venue"), widget=venue_widget)
    name = colander.SchemaNode(colander.String(), title=_("Name shown to agents"), preparer=strip,
                               validator=colander.Length(1, 100))
    code = colander.SchemaNode(colander.String(), title=_("Code (used by devices and commands)"),
                               preparer=strip, validator=gate_code_validator)


class DeviceTokenSchema(CSRFSchema):
    gate_id = colander.SchemaNode(colander.Int(), title=_("Gate"), widget=gate_widget)
    agent_id = colander.SchemaNode(colander.Int(), title=_("Agent"), widget=agent_widget)
    label = colander.SchemaNode(colander.String(), title=_("Device label"), preparer=strip,
                                validator=colander.Length(0, 100), missing="")


class DeactivateSchema(CSRFSchema):
    reason = colander.SchemaNode(colander.String(), title=_("Reason"), preparer=strip,
                                 validator=colander.Length(3, 200),
                                 widget=deform.widget.TextInputWidget())
