"""Booking forms: pick an offer and how many, name the attendees, find an order, change a holder."""
import colander
import deform

from ..i18n import _
from .account import name_validator
from .base import CSRFSchema, strip

MAX_QUANTITY = 6  # a form bound; the per-person limits (settings) decide for real


@colander.deferred
def _offer_validator(node, kw):
    ids = {o.id for o in kw["offers"]}

    def validate(node, value):
        if value not in ids:
            raise colander.Invalid(node, _("Choose one of the offers."))

    return validate


@colander.deferred
def _offer_widget(node, kw):
    return deform.widget.RadioChoiceWidget(values=[(str(o.id), kw["labels"][o.id]) for o in kw["offers"]])


class BookSchema(CSRFSchema):
    offer = colander.SchemaNode(colander.Integer(), title=_("Offer"), validator=_offer_validator, oid="offer",
                                widget=_offer_widget)
    quantity = colander.SchemaNode(
        colander.Integer(), title=_("How many"), default=1,
        validator=colander.Range(1, MAX_QUANTITY, min_err=_("Choose at least one."),
                                 max_err=_("At most ${max} at a time.")),
        widget=deform.widget.TextInputWidget(attributes={
            "type": "number", "min": "1", "max": str(MAX_QUANTITY), "inputmode": "numeric"}))


def name_part(title, name, autocomplete):
    return colander.SchemaNode(
        colander.String(), name=name, title=title, preparer=strip,
        validator=colander.All(colander.Length(min=1, max=100), name_validator),
        widget=deform.widget.TextInputWidget(attributes={"autocomplete": autocomplete}))


def attendees_schema(labels):
    """One first/last name pair per seat; ``labels`` are the seat titles."""
    schema = CSRFSchema()
    for i, label in enumerate(labels):
        seat = colander.SchemaNode(colander.Mapping(), name=f"seat{i}", title=label)
        seat.add(name_part(_("First name"), "first_name", "off" if i else "given-name"))
        seat.add(name_part(_("Last name"), "last_name", "off" if i else "family-name"))
        schema.add(seat)
    return schema


class FindOrderSchema(CSRFSchema):
    reference = colander.SchemaNode(
        colander.String(), title=_("Order reference"), preparer=lambda v: v.strip().upper() if isinstance(v, str) else v,
        validator=colander.Regex(r"^[A-Z0-9]{4,16}$", msg=_("An order reference has letters and digits.")))


class TransferSchema(CSRFSchema):
    """The new holder's name: the ticket is re-issued in it (a new code)."""

    first_name = name_part(_("First name"), "first_name", "off")
    last_name = name_part(_("Last name"), "last_name", "off")
