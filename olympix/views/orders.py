"""The buyer's orders: the list, an order's page, naming the attendees and paying, the return.

The payment's outcome is decided in services/payments.py; these views turn
its answers into a flash and a page.
"""
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from ..i18n import _
from ..models import OrderState, PaymentStatus
from ..resources.orders import OrderResource, OrdersFolder
from ..schemas.booking import attendees_schema
from ..security.permissions import Permission
from ..services import booking, cancellations, payments, reconciliation, refunds, resale, ticket_pdf
from ..services import tickets as ticket_service
from ..services.cancellations import Cancelled
from ..services.payments import Outcome, Verdict
from .forms import FormError, FormView, flash
from .tickets import pdf_response

TEMPLATE = "olympix:templates/booking/{}.jinja2"

NOT_PAYABLE = _("This order can no longer be paid.")
PROVIDER_DOWN = _("The payment service is not answering. Your seats stay held; please try again in a moment.")
DID_NOT_GO_THROUGH = _("The payment did not go through.")
PAYMENT_MESSAGES = {
    "card_declined": _("Your card was declined."),
    "insufficient_funds": _("Your card was declined: insufficient funds."),
}


@view_config(context=OrdersFolder, permission=Permission.TICKET_BUY, renderer=TEMPLATE.format("orders"))
def my_orders(context, request):
    orders = reconciliation.orders_of(request, request.identity.id)
    return {"rows": [(o, o.lines[0].event if o.lines else None) for o in orders]}


def order_page(request, order):
    """What the order page shows, whatever form comes with it."""
    # A held order has no tickets yet (they are minted when it is paid).
    held = order.state == OrderState.HELD
    order_tickets = [] if held else ticket_service.tickets_of_order(request, order.id)
    tickets = [(t, t.state in ticket_service.LIVE_STATES, ticket_service.is_visible(request, t.event))
               for t in order_tickets]
    paid = next((p for p in order.payments if p.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)), None)
    last = order.payments[-1] if order.payments else None
    # Each live ticket's resale: (its open or held listing, whether it may be
    # listed now); the Duo/Family packs that may be listed whole: (first
    # ticket, seats, price).
    each, packs = resale.order_resale(request, order_tickets)
    return {
        "order": order, "lines": order.lines, "payment": paid, "tickets": tickets,
        "refunds": refunds.refunds_of_order(request, order.id),
        "self_cancel_until": cancellations.self_cancel_until(request, order, order_tickets),
        "resale": each, "resale_packs": packs,
        "held": held, "paid": order.state == OrderState.PAID,
        "expired": order.state == OrderState.EXPIRED,
        "waiting": last is not None and last.status == PaymentStatus.OPEN,
        "all_visible": all(visible for _t, _live, visible in tickets),
        # @@tickets.pdf leaves out phone-only sessions' tickets: no button when that is all of them.
        "pdf_offered": any(live and not t.event.phone_only for t, live, _visible in tickets),
        "visible_from": ticket_service.visible_from(request, tickets[0][0].event) if tickets else None,
    }


def order_url(request, order, *elements, **query):
    return request.resource_url(request.root, "orders", order.reference, *elements, query=query or None)


@view_config(context=OrderResource, containment=OrdersFolder, permission=Permission.ORDER_VIEW,
             name="pay", request_method="POST", renderer=TEMPLATE.format("order"))
class PayForm(FormView):
    """One first and last name per seat, then the provider's hosted page."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.order = context.order

    @property
    def button(self):
        return self.request.localizer.translate(
            _("Pay %(amount)s", mapping={"amount": self.request.fmt.money(self.order.total_cents)}))

    def seat_labels(self):
        fmt = self.request.fmt
        return [self.request.localizer.translate(_("%(offer)s %(unit)s — seat %(seat)s of %(seats)s", mapping={
                    "offer": self.request.localizer.translate(_("Official resale")) if line.resale_listing_id
                    else fmt.offer_name(line.offer.kind), "unit": unit + 1, "seat": seat + 1,
                    "seats": line.seats_per_unit}))
                for line in self.order.lines
                for unit in range(line.quantity) for seat in range(line.seats_per_unit)]

    def schema(self):
        return attendees_schema(self.seat_labels())

    def appstruct(self):
        return {f"seat{i}": {"first_name": a.first_name, "last_name": a.last_name}
                for i, a in enumerate(self.order.attendees)}

    def action(self):
        return order_url(self.request, self.order, "@@pay")

    def values(self):
        return order_page(self.request, self.order)

    def __call__(self):
        reconciliation.refresh(self.request, self.order)
        if self.order.state != OrderState.HELD:
            flash(self.request, NOT_PAYABLE, "error")
            return HTTPSeeOther(order_url(self.request, self.order))
        return super().__call__()

    def success(self, data):
        request, order = self.request, self.order
        names = [(data[f"seat{i}"]["first_name"], data[f"seat{i}"]["last_name"]) for i in range(order.seats)]
        started = payments.start_checkout(
            request, order, names, return_url=order_url(request, order, "@@return"),
            notify_url=request.registry.settings.get("olympix.payment.notify_url")
            or request.resource_url(request.root, "api", "payments", "notify"))
        if started.outcome == Outcome.CLOSED:
            flash(request, NOT_PAYABLE, "error")
            return HTTPSeeOther(order_url(request, order))
        if started.outcome == Outcome.UNREACHABLE:
            raise FormError(PROVIDER_DOWN)
        return HTTPSeeOther(started.url)


def return_message(request, back):
    """``(message, flash queue, mapping)`` telling the buyer what ``back`` (a Returned) means."""
    if back.verdict == Verdict.CONFIRMED:
        return _("Payment received, thank you! Your order is confirmed."), "success", {}
    if back.verdict == Verdict.PENDING:
        return (_("We are confirming your payment with the bank; this page will show it in a moment."),
                "info", {})
    if back.verdict == Verdict.REFUNDED:
        return (_("Your payment arrived after your seats were released and none were left: it has been "
                  "refunded in full."), "error", {})
    if back.verdict == Verdict.CLOSED:
        return (_("The payment did not go through, and the hold on your seats is over: they are back on "
                  "sale."), "error", {})
    until = request.fmt.time(back.held_until)
    if back.verdict == Verdict.CANCELLED:
        return (_("You cancelled the payment. Your seats stay held until %(time)s: you can try again."),
                "info", {"time": until})
    reason = request.localizer.translate(PAYMENT_MESSAGES.get(back.failure_reason or "", DID_NOT_GO_THROUGH))
    return (_("%(reason)s Your seats stay held until %(time)s: you can try again with another card."),
            "error", {"reason": reason, "time": until})


@view_defaults(context=OrderResource, containment=OrdersFolder, permission=Permission.ORDER_VIEW,
               request_method="GET")
class OrderViews:
    def __init__(self, context, request):
        self.context, self.request = context, request
        self.order = context.order

    @view_config(renderer=TEMPLATE.format("order"))
    def view(self):
        request, order = self.request, self.order
        if request.params.get("check") == "1" and payments.check(request, order) == Outcome.UNREACHABLE:
            flash(request, _("The payment service is not answering; we will hear from it soon. "
                             "Check again in a moment."), "info")
        return self.page()

    def page(self):
        """The order page's values (its pay form while held), the order brought up to date first."""
        request, order = self.request, self.order
        reconciliation.refresh(request, order)
        values = order_page(request, order)
        if values["held"]:
            form = PayForm(self.context, request)
            values["form"] = form.form().render(form.appstruct())
            # The countdown counts from the server's clock, not the phone's.
            values["hold_seconds"] = max(0, int((order.held_until - booking.now(request)).total_seconds()))
        return values

    @view_config(name="return", renderer=TEMPLATE.format("order"))
    def payment_return(self):
        """Back from the provider: the order page itself, with what the payment came to.

        Not a redirect to it: one request fewer for every buyer (issue 11.4).
        A reload asks the provider again and records nothing twice
        (``payments.returned`` applies a state once); the page's own
        address stays the order's for its links and forms.
        """
        request, order = self.request, self.order
        back = payments.returned(request, order, request.GET)
        if back.verdict == Verdict.STALE:
            # The page of this return, reloaded hours later (a restored tab, a
            # change of language): the order as it is now, at its own address.
            return HTTPSeeOther(order_url(request, order))
        if back.verdict == Verdict.INVALID:
            raise HTTPBadRequest()
        if back.verdict == Verdict.UNKNOWN:
            raise HTTPNotFound()
        message, queue, mapping = return_message(request, back)
        flash(request, message, queue, **mapping)
        return self.page()

    @view_config(name="tickets.pdf")
    def tickets_pdf(self):
        request, order = self.request, self.order
        tickets = [t for t in ticket_service.tickets_of_order(request, order.id)
                   if t.state in ticket_service.LIVE_STATES]
        if not tickets or request.identity is None or request.identity.id != order.user_id:
            raise HTTPNotFound()
        tickets = [t for t in tickets if not t.event.phone_only]  # their phone ticket only
        if not tickets:
            flash(request, ticket_service.PHONE_ONLY, "info")
            return HTTPSeeOther(order_url(request, order))
        if not all(ticket_service.is_visible(request, t.event) for t in tickets):
            flash(request, _("Your tickets are not available yet."), "info")
            return HTTPSeeOther(order_url(request, order))
        for ticket in tickets:
            ticket_service.mark_delivered(request, ticket)
        return pdf_response(ticket_pdf.render_pdf(request, tickets), f"olympix-{order.reference}.pdf")


SELF_CANCEL_MESSAGES = {
    Cancelled.DONE: (_("Order cancelled: your tickets no longer work and the full amount is being refunded "
                       "to your card."), "success"),
    Cancelled.NOT_CANCELLABLE: (_("This order cannot be cancelled any more (the event does not allow it, "
                                  "the deadline has passed or a ticket was used)."), "error"),
    Cancelled.UNREACHABLE: (_("The payment service did not answer; nothing was changed. Please try again "
                              "in a moment."), "error"),
}


@view_config(context=OrderResource, containment=OrdersFolder, permission=Permission.ORDER_VIEW,
             name="cancel", request_method="POST")
def cancel_my_order(context, request):
    """The buyer cancels their own order, when its event allows it (services/cancellations.py)."""
    outcome = cancellations.cancel_by_buyer(request, context.order, request.identity)
    flash(request, *SELF_CANCEL_MESSAGES[outcome])
    return HTTPSeeOther(order_url(request, context.order))


GIVE_BACK_MESSAGES = {
    True: (_("Your seats are given back. Thank you: someone else can book them now."), "success"),
    False: (_("There was no hold to give back: this order is paid, expired or being paid."), "info"),
}


@view_config(context=OrderResource, containment=OrdersFolder, permission=Permission.ORDER_VIEW,
             name="give-back", request_method="POST")
def give_back_seats(context, request):
    """The buyer gives the seats of a held order back now (services/booking.py ``give_back``)."""
    order = context.order
    if request.identity is None or request.identity.id != order.user_id:
        raise HTTPNotFound()  # staff see orders, they do not give buyers' seats back
    done = booking.give_back(request, order)
    if not done and order.state == OrderState.HELD and payments.check(request, order) is not None:
        done = booking.give_back(request, order)  # the provider said the open payment was not made
    flash(request, *GIVE_BACK_MESSAGES[done])
    return HTTPSeeOther(order_url(request, order))


def includeme(config):
    config.add_account_section("olympix:templates/booking/_account_panel.jinja2", order=20)
