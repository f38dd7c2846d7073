"""Back office: find an order by reference; cancel it, cancel or re-issue one of its tickets."""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..formatting import venue_zone
from ..i18n import _
from ..models import OrderState
from ..resources.orders import BackofficeOrders, OrderResource
from ..schemas.booking import FindOrderSchema
from ..security.permissions import Permission
from ..services import booking, cancellations, reconciliation, refunds
from ..services import tickets as ticket_service
from ..services.cancellations import Cancelled
from .forms import FormError, FormView, flash

TEMPLATE = "olympix:templates/booking/{}.jinja2"
PROVIDER_DOWN = _("The payment service refused or did not answer; nothing was changed.")
ORDER_MESSAGES = {
    Cancelled.DONE: (_("Order cancelled: tickets deactivated, seats given back, payment refunded."), "success"),
    Cancelled.NOT_CANCELLABLE: (_("This order cannot be cancelled in its state."), "error"),
    Cancelled.UNREACHABLE: (PROVIDER_DOWN, "error"),
}
TICKET_MESSAGES = {
    Cancelled.DONE: (_("Ticket cancelled and refunded; its seat is back on sale."), "success"),
    Cancelled.NOT_CANCELLABLE: (_("This ticket cannot be cancelled in its state."), "error"),
    Cancelled.UNREACHABLE: (PROVIDER_DOWN, "error"),
}


@view_config(context=BackofficeOrders, permission=Permission.ORDER_REFUND,
             renderer=TEMPLATE.format("backoffice_find"))
class FindOrderForm(FormView):
    schema_class = FindOrderSchema
    button = _("Find")

    def success(self, data):
        order = booking.order_by_reference(self.request, data["reference"])
        if order is None:
            raise FormError(_("No order has this reference."), "reference")
        return HTTPSeeOther(self.request.resource_url(self.context, order.reference))


@view_defaults(context=OrderResource, containment=BackofficeOrders, permission=Permission.ORDER_REFUND)
class StaffOrderViews:
    def __init__(self, context, request):
        self.context, self.request = context, request
        self.order = context.order

    @view_config(renderer=TEMPLATE.format("backoffice_order"), request_method="GET")
    def view(self):
        order = reconciliation.refresh(self.request, self.order)
        events = [line.event for line in order.lines]
        return {
            "order": order, "buyer": order.buyer, "lines": order.lines, "payments": order.payments,
            "refunds": refunds.refunds_of_order(self.request, order.id),
            "cancellable": order.state in (OrderState.PAID, OrderState.HELD),
            "tickets": [(t, t.state in ticket_service.LIVE_STATES)
                        for t in ticket_service.tickets_of_order(self.request, order.id)],
            # Staff read times in the venue's zone, labelled (Paris when there is no venue).
            "zone": venue_zone(events[0].venue if events else None),
        }

    def back(self):
        return HTTPSeeOther(self.request.resource_url(self.context))

    @view_config(name="cancel", request_method="POST")
    def cancel(self):
        outcome = cancellations.cancel_order(self.request, self.order, self.request.identity)
        flash(self.request, *ORDER_MESSAGES[outcome])
        return self.back()

    def posted_ticket(self):
        """The ticket of this order named by the form, or 404."""
        ticket = ticket_service.ticket_of_order(self.request, self.order, self.request.POST.get("ticket", ""))
        if ticket is None:
            raise HTTPNotFound()
        return ticket

    @view_config(name="cancel-ticket", request_method="POST")
    def cancel_ticket(self):
        outcome = cancellations.cancel_ticket(self.request, self.posted_ticket(), self.request.identity)
        flash(self.request, *TICKET_MESSAGES[outcome])
        return self.back()

    @view_config(name="reissue", request_method="POST")
    def reissue(self):
        """A damaged ticket: the same names on a new ticket, the old code stops working."""
        request = self.request
        try:
            new = ticket_service.reissue(request, self.posted_ticket(), actor_id=request.identity.id,
                                         reason="re-issued by staff")
        except ticket_service.ReissueRefused as refused:
            flash(request, refused.message, "error")
            return self.back()
        flash(request, _("Ticket re-issued with serial %(serial)s; the previous ticket no longer works."),
              serial=new.serial)
        return self.back()
