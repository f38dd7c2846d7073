"""The shop: ``/events/<slug>/@@book``, pick an offer and how many, seats held.

The event page (views/catalogue.py) shows the same choice inline
(templates/booking/_book_form.jinja2) and posts here.
"""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..i18n import _
from ..resources.catalogue import EventResource
from ..schemas.booking import BookSchema
from ..security.permissions import Permission
from ..services import booking
from .forms import FormError, FormView

TEMPLATE = "olympix:templates/booking/{}.jinja2"


@view_config(context=EventResource, name="book", permission=Permission.TICKET_BUY,
             renderer=TEMPLATE.format("book"))
class BookForm(FormView):
    schema_class = BookSchema
    button = _("Hold my seats")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.event = context.event
        self.offers = booking.offers_of(request, self.event)

    def bind(self):
        fmt = self.request.fmt
        labels = {o.id: f"{fmt.offer_name(o.kind)} — {fmt.offer_seats(o.kind)} ({fmt.money(o.price_cents)})"
                  for o in self.offers}
        return {"offers": self.offers, "labels": labels}

    def appstruct(self):
        return {"quantity": 1, "offer": self.offers[0].id} if self.offers else {}

    def values(self):
        return {"event": self.event,
                "hold_minutes": self.request.registry.settings["olympix.booking.hold_minutes"]}

    def success(self, data):
        offer = next(o for o in self.offers if o.id == data["offer"])
        try:
            order = booking.hold(self.request, self.request.identity, self.event, offer, data["quantity"])
        except booking.BookingRefused as refused:
            raise FormError(refused.message) from None
        return HTTPSeeOther(self.request.resource_url(self.request.root, "orders", order.reference))
