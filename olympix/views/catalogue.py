"""The catalogue: the search page (``/events``) and the event page (``/events/<slug>``)."""
from pyramid.view import view_config, view_defaults

from ..i18n import _, translate
from ..models.catalogue import OfferKind
from ..resources.catalogue import EventResource, EventsFolder
from ..schemas.catalogue import FILTER_NAMES, parse_filters
from ..security.permissions import Permission
from ..services import booking, catalogue, resale
from .event_cards import event_card, event_cards, offer_rows
from .waiting_list import waiting_values

TEMPLATE = "olympix:templates/catalogue/{}.jinja2"


@view_defaults(permission=Permission.SITE_VIEW)
class CatalogueViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config(context=EventsFolder, renderer=TEMPLATE.format("search"))
    def search(self):
        request = self.request
        lang = catalogue.lang(request)
        sports = catalogue.sports(request)
        venues = catalogue.venues(request)
        cities = catalogue.cities(request)
        filters, ignored = parse_filters(request.GET, [s.slug for s in sports],
                                         [v.slug for v in venues], cities)
        page = catalogue.search(request, filters, filters.pop("page", 1))
        return {
            "filters": filters,
            "ignored": [translate(request, title) for title in ignored],
            "page": page,
            "cards": event_cards(request, page.items),
            # Tuples: the lists' options are rendered once per process (views/fragments.py).
            "sports": tuple((s.slug, s.name(lang)) for s in sports),
            "venues": tuple((v.slug, v.name(lang)) for v in venues),
            "cities": tuple(cities),
            "offer_kinds": [(k, request.fmt.offer_name(k)) for k in OfferKind],
            "page_url": lambda number: self._page_url(filters, number),
            "clear_url": request.resource_url(self.context),
        }

    def _page_url(self, filters, number):
        """The same search on another page: only the valid filters are kept."""
        query = [(name, self._as_param(filters[name])) for name in FILTER_NAMES if name in filters]
        if number > 1:
            query.append(("page", str(number)))
        return self.request.resource_url(self.context, query=query)

    @staticmethod
    def _as_param(value):
        if value is True:
            return "1"
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    @view_config(context=EventResource, renderer=TEMPLATE.format("event"))
    def event(self):
        request, event = self.request, self.context.event
        listings = resale.open_listings(request, event)
        return {
            "event": event,
            "card": event_card(request, event, with_description=True),
            "offers": list(event.offers),
            "offer_rows": offer_rows(request, event),
            "on_sale": booking.on_sale(event, booking.now(request)),
            # "Revente officielle": (listing, offer name, price) of each ticket or pack on resale.
            "resale": [(listing, request.fmt.offer_name(listing.ticket.order_line.offer.kind),
                        request.fmt.money(listing.price_cents)) for listing in listings],
            "resale_seats": sum(listing.seats for listing in listings),  # a pack counts its seats
            "waiting": waiting_values(request, event),
        }


def includeme(config):
    config.add_nav_item("/events", _("Events"), Permission.SITE_VIEW, order=10)
