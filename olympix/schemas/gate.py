"""Gate forms: a new gate, a new device token, deactivating a ticket.

The choices (venues, open gates, agents) come from the gate's services,
which live above this layer: the form view passes them to ``bind()`` as
``[(value, label)…]`` under the node's name.
"""
import colander
import deform

from ..i18n import _
from .base import CSRFSchema, slug_validator, strip

NO_CHOICE = ("", "—")


def _choices(name):
    @colander.deferred
    def widget(node, kw):
        return deform.widget.SelectWidget(values=[NO_CHOICE, *kw.get(name, ())])

    return widget


def gate_code_validator(node, value):
    slug_validator(node, value, max_length=64)


class GateSchema(CSRFSchema):
    venue_id = colander.SchemaNode(colander.Int(), title=_("Venue"), widget=_choices("venues"))
    name = colander.SchemaNode(colander.String(), title=_("Name shown to agents"), preparer=strip,
                               validator=colander.Length(1, 100))
    code = colander.SchemaNode(colander.String(), title=_("Code (used by devices and commands)"),
                               preparer=strip, validator=gate_code_validator)


class DeviceTokenSchema(CSRFSchema):
    gate_id = colander.SchemaNode(colander.Int(), title=_("Gate"), widget=_choices("gates"))
    agent_id = colander.SchemaNode(colander.Int(), title=_("Agent"), widget=_choices("agents"))
    label = colander.SchemaNode(colander.String(), title=_("Device label"), preparer=strip,
                                validator=colander.Length(0, 100), missing="")


class DeactivateSchema(CSRFSchema):
    reason = colander.SchemaNode(colander.String(), title=_("Reason"), preparer=strip,
                                 validator=colander.Length(3, 200),
                                 widget=deform.widget.TextInputWidget())
