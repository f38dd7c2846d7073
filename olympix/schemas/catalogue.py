"""The search filters of ``/events``, read from the query string.

The search form is a GET form (shareable links, no JavaScript), so there is
no CSRF token and no Deform form: each filter is a colander node, read on
its own, so that one bad value (an unknown sport, 2024-13-45, a negative
price, 10 kB of text) drops only that filter, and the page says which.
"""
from functools import lru_cache

import colander

from ..i18n import _
from ..models import OfferKind
from .base import Euros

MAX_TEXT = 100
MAX_PRICE_EUROS = 10_000


@colander.deferred
def _sports(node, kw):
    return colander.OneOf(kw["sports"])


@colander.deferred
def _venues(node, kw):
    return colander.OneOf(kw["venues"])


@colander.deferred
def _cities(node, kw):
    return colander.OneOf(kw["cities"])


class Flag(colander.SchemaType):
    """A checkbox: present with any of the usual "on" values."""

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, ""):
            return colander.null
        if str(cstruct).lower() in ("1", "on", "true", "yes", "y"):
            return True
        if str(cstruct).lower() in ("0", "off", "false", "no", "n"):
            return False
        raise colander.Invalid(node, "not a flag")


class EventSearchSchema(colander.Schema):
    """Every filter is optional; bind with sports=, venues=, cities= (allowed values)."""

    q = colander.SchemaNode(colander.String(), title=_("Title contains"),
                            validator=colander.Length(max=MAX_TEXT),
                            preparer=lambda v: " ".join(v.split()) if isinstance(v, str) else v)
    sport = colander.SchemaNode(colander.String(), title=_("Sport"), validator=_sports)
    venue = colander.SchemaNode(colander.String(), title=_("Venue"), validator=_venues)
    city = colander.SchemaNode(colander.String(), title=_("City"), validator=_cities)
    from_ = colander.SchemaNode(colander.Date(), name="from", title=_("From"))
    to = colander.SchemaNode(colander.Date(), title=_("To"))
    offer = colander.SchemaNode(colander.String(), title=_("Offer"),
                                validator=colander.OneOf([k.value for k in OfferKind]))
    max_price = colander.SchemaNode(Euros(), title=_("Maximum price (€)"),
                                    validator=colander.Range(min=0, max=MAX_PRICE_EUROS))
    seats = colander.SchemaNode(Flag(), title=_("Seats left only"))
    page = colander.SchemaNode(colander.Integer(), title=_("Page"),
                               validator=colander.Range(min=1, max=100_000))


#: Parameters people may share in a link, in the order the form shows them.
FILTER_NAMES = ("q", "sport", "from", "to", "venue", "city", "offer", "max_price", "seats")


@lru_cache(maxsize=8)
def _bound(sports, venues, cities):
    """The schema bound to these allowed values, built once while they stay the same.

    Binding clones the schema's 11 nodes: a tenth of a search page's CPU
    (issue 11). Deserializing does not change a bound schema, so pages share it.
    """
    return EventSearchSchema().bind(sports=list(sports), venues=list(venues), cities=list(cities))


def parse_filters(params, sports, venues, cities):
    """Read the filters from ``params`` (a MultiDict or dict).

    Returns ``(filters, ignored)``: ``filters`` maps each valid, non-empty
    filter name (and ``page``) to its Python value; ``ignored`` lists the
    titles (translation strings) of the filters whose values were refused.
    """
    schema = _bound(tuple(sports), tuple(venues), tuple(cities))
    filters, ignored = {}, []
    for node in schema.children:
        raw = params.get(node.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            value = node.deserialize(raw.strip() if isinstance(raw, str) else raw)
        except colander.Invalid:
            ignored.append(node.title)
            continue
        if value is colander.null or value in ("", False):
            continue
        filters[node.name] = value
    if "from" in filters and "to" in filters and filters["to"] < filters["from"]:
        del filters["to"]
        ignored.append(schema["to"].title)
    return filters, ignored
