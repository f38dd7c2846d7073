"""Book, name the attendees, pay, see orders and tickets; staff cancel.

Views only orchestrate: the rules live in services/booking.py (seats),
services/payments.py (checkout, completion, refunds) and
services/tickets.py (codes, delivery).
"""

from babel.dates import format_datetime
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config, view_defaults
from sqlalchemy import select

from ..i18n import PARIS, _, translate
from ..models import (
    Event,
    Offer,
    Order,
    OrderLine,
    OrderState,
    Ticket,
    TicketState,
    User,
)
from ..models.catalogue import OfferKind
from ..resources.catalogue import EventResource
from ..resources.booking import (
    BackofficeOrders,
    OrderResource,
    OrdersFolder,
    PaymentsApi,
    TicketResource,
    TicketsFolder,
)
from ..schemas import booking as schemas
from ..security.permissions import Permission
from ..services import audit, booking, payments, ticket_pdf
from ..services import tickets as ticket_service
from ..services.catalogue import format_price
from ..interfaces import IBarcodeService, IPaymentGateway
from ..services.payment import CheckoutState, InvalidSignature, PaymentProviderError
from .forms import FormError, flash, make_form, run_form

TEMPLATE = "olympix:templates/booking/{}.jinja2"

OFFER_NAMES = {OfferKind.SOLO: _("Solo"), OfferKind.DUO: _("Duo"), OfferKind.FAMILY: _("Family")}
OFFER_DESCRIPTIONS = {OfferKind.SOLO: _("One seat"), OfferKind.DUO: _("Two seats"),
                      OfferKind.FAMILY: _("Four seats")}
ORDER_STATES = {OrderState.HELD: _("Waiting for payment"), OrderState.PAID: _("Paid"),
                OrderState.EXPIRED: _("Expired"), OrderState.CANCELLED: _("Cancelled")}
TICKET_STATES = {TicketState.PAID: _("Valid"), TicketState.DELIVERED: _("Valid"),
                 TicketState.SCANNED: _("Used"), TicketState.DEACTIVATED: _("Cancelled"),
                 TicketState.EXPIRED: _("Expired")}
PAYMENT_MESSAGES = {
    "card_declined": _("Your card was declined."),
    "insufficient_funds": _("Your card was declined: insufficient funds."),
}


# -- small helpers shared by templates ------------------------------------------------

def when(request, value, fmt="EEEE d MMMM y, HH:mm"):
    return format_datetime(value, fmt, tzinfo=PARIS, locale=request.locale_name)


def helpers(request, **values):
    values.update(
        when=lambda value, fmt="EEEE d MMMM y, HH:mm": when(request, value, fmt),
        money=lambda cents: format_price(request, cents),
        offer_name=lambda kind: translate(request, OFFER_NAMES.get(kind, kind)),
        offer_description=lambda kind: translate(request, OFFER_DESCRIPTIONS.get(kind, "")),
        order_state=lambda state: translate(request, ORDER_STATES.get(state, state)),
        ticket_state=lambda state: translate(request, TICKET_STATES.get(state, state)),
        ticket_visible=lambda event: ticket_service.is_visible(request, event),
        visible_from=lambda event: ticket_service.visible_from(request, event),
        booking_open=lambda event: booking.on_sale(event, booking.now(request)),
    )
    return values


def order_url(request, order, *elements, **query):
    return request.resource_url(request.root, "orders", order.reference, *elements,
                                query=query or None)


# -- booking on an event ----------------------------------------------------------------

@view_defaults(context=EventResource)
class EventBookingViews:
    def __init__(self, context, request):
        self.context, self.request = context, request

    @view_config(name="book", permission=Permission.TICKET_BUY, renderer=TEMPLATE.format("book"))
    def book(self):
        request, event = self.request, self.context.event
        offers = booking.offers_of(request, event)
        labels = {o.id: f"{translate(request, OFFER_NAMES.get(o.kind, o.kind))} — "
                        f"{translate(request, OFFER_DESCRIPTIONS.get(o.kind, ''))} ({format_price(request, o.price_cents)})"
                  for o in offers}

        def success(data):
            offer = next(o for o in offers if o.id == data["offer"])
            try:
                order = booking.hold(request, request.identity, event, offer, data["quantity"])
            except booking.BookingRefused as refused:
                raise FormError(translate(request, refused.message)) from None
            return HTTPSeeOther(order_url(request, order))

        values = run_form(request, schemas.BookSchema(), _("Hold my seats"), success,
                          appstruct={"quantity": 1, "offer": offers[0].id} if offers else None,
                          offers=offers, labels=labels)
        if isinstance(values, dict):
            values = helpers(request, **values, event=event, offers=offers)
        return values


# -- orders --------------------------------------------------------------------------

def seat_labels(request, order):
    labels = []
    for line in order.lines:
        offer = request.dbsession.get(Offer, line.offer_id)
        per_unit = max(1, line.seats // line.quantity)
        for unit in range(line.quantity):
            for seat in range(per_unit):
                labels.append(translate(request, _("%(offer)s %(unit)s — seat %(seat)s of %(seats)s", mapping={
                    "offer": translate(request, OFFER_NAMES.get(offer.kind, offer.kind)),
                    "unit": unit + 1, "seat": seat + 1, "seats": per_unit})))
    return labels


@view_defaults(context=OrderResource, containment=OrdersFolder, permission=Permission.ORDER_VIEW)
class OrderViews:
    def __init__(self, context, request):
        self.context, self.request = context, request
        self.order = context.order

    def page(self, form=None):
        request, order = self.request, self.order
        items = [(line, request.dbsession.get(Event, line.event_id), request.dbsession.get(Offer, line.offer_id))
                 for line in order.lines]
        tickets = ticket_service.tickets_of_order(request, order.id)
        events = {e.id: e for _l, e, _o in items}
        paid = next((p for p in order.payments if p.status in ("paid", "refunded")), None)
        return helpers(request, order=order, items=items, form=form, payment=paid,
                       tickets=[(t, events.get(t.event_id) or request.dbsession.get(Event, t.event_id))
                                for t in tickets],
                       last_payment=order.payments[-1] if order.payments else None)

    @view_config(renderer=TEMPLATE.format("order"), request_method="GET")
    def view(self):
        request, order = self.request, self.order
        if order.state == OrderState.HELD:
            pending = payments.open_payment(order)
            if pending is not None and request.params.get("check") == "1":
                payments.reconcile(request, pending)
                request.dbsession.refresh(order)
        booking.refresh(request, order)
        form = None
        if order.state == OrderState.HELD:
            form = self.pay_form()["form"]
        return self.page(form)

    def pay_form(self):
        request, order = self.request, self.order
        labels = seat_labels(request, order)
        appstruct = {f"seat{i}": {"first_name": a.first_name, "last_name": a.last_name}
                     for i, a in enumerate(order.attendees)}

        def success(data):
            booking.refresh(request, order)
            if order.state != OrderState.HELD:
                flash(request, _("This order can no longer be paid."), "error")
                return HTTPSeeOther(order_url(request, order))
            booking.set_attendees(request, order, [(data[f"seat{i}"]["first_name"], data[f"seat{i}"]["last_name"])
                                                   for i in range(len(labels))])
            event = request.dbsession.get(Event, order.lines[0].event_id)
            try:
                url = payments.start_checkout(
                    request, order, description=f"olympix {order.reference} — {event.title(request.locale_name)}"[:200],
                    return_url=order_url(request, order, "@@return"),
                    notify_url=request.registry.settings.get("olympix.payment.notify_url")
                    or request.resource_url(request.root, "api", "payments", "notify"))
            except PaymentProviderError:
                raise FormError(_("The payment service is not answering. Your seats stay held; "
                                  "please try again in a moment.")) from None
            return HTTPSeeOther(url)

        button = translate(request, _("Pay %(amount)s", mapping={"amount": format_price(request, order.total_cents)}))
        if request.method != "POST":
            return {"form": make_form(request, schemas.attendees_schema(labels), button,
                                      action=order_url(request, order, "@@pay")).render(appstruct)}
        return run_form(request, schemas.attendees_schema(labels), button, success)

    @view_config(name="pay", request_method="POST", renderer=TEMPLATE.format("order"))
    def pay(self):
        booking.refresh(self.request, self.order)
        if self.order.state != OrderState.HELD:
            flash(self.request, _("This order can no longer be paid."), "error")
            return HTTPSeeOther(order_url(self.request, self.order))
        values = self.pay_form()
        if not isinstance(values, dict):
            return values
        return self.page(values["form"])

    @view_config(name="return", request_method="GET")
    def payment_return(self):
        request, order = self.request, self.order
        gateway = request.find_service(IPaymentGateway)
        try:
            session_id, status = gateway.verify_return(request.GET)
        except InvalidSignature:
            raise HTTPBadRequest() from None
        payment = payments.find_payment(request, session_id)
        if payment is None or payment.order_id != order.id:
            raise HTTPNotFound()
        try:
            state = gateway.get_checkout(session_id)
        except PaymentProviderError:
            state = CheckoutState(status=status, amount=payment.amount_cents) if status != "paid" else None
        if state is not None:
            payments.apply_outcome(request, payment, state)
        request.dbsession.refresh(order)
        request.dbsession.refresh(payment)
        if order.state == OrderState.PAID:
            flash(request, _("Payment received, thank you! Your order is confirmed."))
        elif state is None or state.status == "open":
            flash(request, _("We are confirming your payment with the bank; this page will show it "
                             "in a moment."), "info")
        elif payment.status == "refunded":
            flash(request, _("Your payment arrived after your seats were released and none were left: "
                             "it has been refunded in full."), "error")
        else:
            until = when(request, order.held_until, "HH:mm")
            if state.status == "canceled":
                flash(request, _("You cancelled the payment. Your seats stay held until %(time)s: "
                                 "you can try again.", mapping={"time": until}), "info")
            else:
                reason = translate(request, PAYMENT_MESSAGES.get(state.failure_reason or "",
                                                                 _("The payment did not go through.")))
                flash(request, _("%(reason)s Your seats stay held until %(time)s: you can try again "
                                 "with another card.", mapping={"reason": reason, "time": until}), "error")
        return HTTPSeeOther(order_url(request, order))

    @view_config(name="tickets.pdf", request_method="GET")
    def tickets_pdf(self):
        request, order = self.request, self.order
        items = [(t, request.dbsession.get(Event, t.event_id))
                 for t in ticket_service.tickets_of_order(request, order.id)
                 if t.state in ticket_service.LIVE_STATES]
        if not items or request.identity is None or request.identity.id != order.user_id:
            raise HTTPNotFound()
        if not all(ticket_service.is_visible(request, e) for _t, e in items):
            flash(request, _("Your tickets are not available yet."), "info")
            return HTTPSeeOther(order_url(request, order))
        for ticket, _e in items:
            ticket_service.mark_delivered(request, ticket)
        return pdf_response(ticket_pdf.render_pdf(request, items), f"olympix-{order.reference}.pdf")


def pdf_response(body, filename):
    response = Response(body=body, content_type="application/pdf")
    response.content_disposition = f'inline; filename="{filename}"'
    response.cache_control = "private, no-store"
    return response


@view_config(context=OrdersFolder, permission=Permission.TICKET_BUY, renderer=TEMPLATE.format("orders"))
def my_orders(context, request):
    orders = request.dbsession.scalars(select(Order).where(Order.user_id == request.identity.id)
                                       .order_by(Order.created_at.desc(), Order.id.desc())).all()
    for order in orders:
        booking.refresh(request, order)
    rows = [(o, request.dbsession.get(Event, o.lines[0].event_id) if o.lines else None) for o in orders]
    return helpers(request, rows=rows)


# -- tickets ---------------------------------------------------------------------------

@view_config(context=TicketsFolder, permission=Permission.TICKET_BUY, renderer=TEMPLATE.format("tickets"))
def my_tickets(context, request):
    rows = ticket_service.tickets_of_owner(request, request.identity.id)
    return helpers(request, rows=rows)


@view_defaults(context=TicketResource, permission=Permission.ORDER_VIEW)
class TicketViews:
    def __init__(self, context, request):
        self.context, self.request = context, request
        self.ticket = context.ticket
        self.event = request.dbsession.get(Event, self.ticket.event_id)

    def not_yet(self):
        flash(self.request, _("This ticket is available from %(when)s.",
                              mapping={"when": when(self.request, ticket_service.visible_from(self.request, self.event))}),
              "info")
        return HTTPSeeOther(self.request.resource_url(self.request.root, "tickets"))

    @view_config(renderer=TEMPLATE.format("mticket"), request_method="GET")
    def mobile(self):
        if not ticket_service.is_visible(self.request, self.event):
            return self.not_yet()
        return self.page()

    def page(self, transfer_form=None):
        request, ticket = self.request, self.ticket
        live = ticket.state in ticket_service.LIVE_STATES
        if live:
            ticket_service.mark_delivered(request, ticket)
        if transfer_form is None and self.can_transfer():
            transfer_form = self.make_transfer_form().render(
                {"first_name": ticket.attendee_first_name, "last_name": ticket.attendee_last_name})
        code = ticket_service.code_for(request, ticket)
        line = request.dbsession.get(OrderLine, ticket.order_line_id) if ticket.order_line_id else None
        offer = request.dbsession.get(Offer, line.offer_id) if line else None
        return helpers(request, ticket=ticket, event=self.event, code=code, live=live, offer=offer,
                       qr_svg=request.find_service(IBarcodeService).qr_svg(code, module_mm=2) if live else None,
                       transfer_form=transfer_form,
                       replacement=None if live else ticket_service.replacement_of(request, ticket))

    # -- the holder puts the ticket in another name: a new ticket, the old one stops working

    TRANSFER_BUTTON = _("Issue the ticket in this name")

    def can_transfer(self):
        return (self.ticket.state in ticket_service.LIVE_STATES
                and ticket_service.transfer_open(self.request, self.event))

    def make_transfer_form(self):
        form = make_form(self.request, schemas.TransferSchema(), self.TRANSFER_BUTTON, formid="transfer",
                         action=self.request.resource_url(self.context, "@@transfer"))
        # The page is shown at the gate: focusing the name field would scroll
        # past the QR code and open the phone's keyboard.
        for field in form.children:
            field.autofocus = None
        return form

    @view_config(name="transfer", request_method="POST", renderer=TEMPLATE.format("mticket"))
    def transfer(self):
        request, ticket = self.request, self.ticket
        if not ticket_service.is_visible(request, self.event):
            return self.not_yet()
        back = HTTPSeeOther(request.resource_url(self.context))
        if not self.can_transfer():
            flash(request, ticket_service.EVENT_STARTED if ticket.state in ticket_service.LIVE_STATES
                  else ticket_service.NOT_LIVE, "error")
            return back

        def success(data):
            try:
                new = ticket_service.reissue(request, ticket, first_name=data["first_name"],
                                             last_name=data["last_name"], actor_id=request.identity.id,
                                             reason="transfer")
            except ticket_service.ReissueRefused as refused:
                flash(request, refused.message, "error")
                return back
            flash(request, _("This ticket is now in the name of %(name)s, with a new code. The previous "
                             "ticket no longer works: only this one will be accepted at the gate.",
                             mapping={"name": new.attendee_name}))
            return HTTPSeeOther(request.resource_url(request.root, "tickets", new.id, ""))

        values = run_form(request, schemas.TransferSchema(), self.TRANSFER_BUTTON, success, formid="transfer",
                          action=request.resource_url(self.context, "@@transfer"))
        if isinstance(values, dict):
            return self.page(values["form"])
        return values

    @view_config(name="pdf", request_method="GET")
    def pdf(self):
        request, ticket = self.request, self.ticket
        if not ticket_service.is_visible(request, self.event):
            return self.not_yet()
        if ticket.state not in ticket_service.LIVE_STATES:
            raise HTTPNotFound()
        ticket_service.mark_delivered(request, ticket)
        return pdf_response(ticket_pdf.render_pdf(request, [(ticket, self.event)]),
                            f"olympix-ticket-{ticket.serial}.pdf")


# -- the provider's notification ---------------------------------------------------------

@view_config(context=PaymentsApi, name="notify", request_method="POST", require_csrf=False,
             permission=NO_PERMISSION_REQUIRED, renderer="json")
def payment_notification(context, request):
    """Signed by the provider (HMAC of the raw body): that is the authentication."""
    gateway = request.find_service(IPaymentGateway)
    try:
        event = gateway.verify_notification(request.body, request.headers.get("Sandbox-Signature"))
    except InvalidSignature:
        request.response.status_int = 400
        return {"error": "invalid signature"}
    try:
        state = CheckoutState.from_json(event["data"])
    except (KeyError, TypeError):
        request.response.status_int = 400
        return {"error": "unexpected notification"}
    payment = payments.find_payment(request, state.id)
    if payment is None:
        return {"received": True, "result": "unknown"}
    return {"received": True, "result": payments.apply_outcome(request, payment, state)}


# -- back office ---------------------------------------------------------------------

@view_config(context=BackofficeOrders, permission=Permission.ORDER_REFUND, renderer=TEMPLATE.format("backoffice_find"))
def backoffice_find(context, request):
    def success(data):
        order = request.dbsession.scalar(select(Order).where(Order.reference == data["reference"]))
        if order is None:
            raise FormError(_("No order has this reference."), "reference")
        return HTTPSeeOther(request.resource_url(context, order.reference))

    return run_form(request, schemas.FindOrderSchema(), _("Find"), success)


@view_defaults(context=OrderResource, containment=BackofficeOrders, permission=Permission.ORDER_REFUND)
class BackofficeOrderViews:
    def __init__(self, context, request):
        self.context, self.request = context, request
        self.order = context.order

    @view_config(renderer=TEMPLATE.format("backoffice_order"), request_method="GET")
    def view(self):
        request, order = self.request, self.order
        booking.refresh(request, order)
        buyer = request.dbsession.get(User, order.user_id)
        return helpers(request, order=order, buyer=buyer,
                       items=[(line, request.dbsession.get(Event, line.event_id),
                               request.dbsession.get(Offer, line.offer_id)) for line in order.lines],
                       tickets=ticket_service.tickets_of_order(request, order.id),
                       payment_rows=order.payments)

    def back(self):
        return HTTPSeeOther(self.request.resource_url(self.context))

    @view_config(name="cancel", request_method="POST")
    def cancel(self):
        request, order = self.request, self.order
        try:
            done = payments.cancel_order(request, order, request.identity)
        except PaymentProviderError:
            request.tm.abort()
            flash(request, _("The payment service refused or did not answer; nothing was changed."), "error")
            return self.back()
        if done:
            audit.record(request, "order.cancel", "order", order.reference, refunded=True)
            flash(request, _("Order cancelled: tickets deactivated, seats given back, payment refunded."))
        else:
            flash(request, _("This order cannot be cancelled in its state."), "error")
        return self.back()

    def posted_ticket(self):
        """The ticket of this order named by the form, or 404."""
        raw = self.request.POST.get("ticket", "")
        ticket = self.request.dbsession.get(Ticket, int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if ticket is None or ticket.order_id != self.order.id:
            raise HTTPNotFound()
        return ticket

    @view_config(name="cancel-ticket", request_method="POST")
    def cancel_ticket(self):
        request, order = self.request, self.order
        ticket = self.posted_ticket()
        try:
            done = payments.cancel_ticket(request, ticket, request.identity)
        except PaymentProviderError:
            request.tm.abort()
            flash(request, _("The payment service refused or did not answer; nothing was changed."), "error")
            return self.back()
        if done:
            audit.record(request, "ticket.cancel", "ticket", ticket.serial, order=order.reference)
            flash(request, _("Ticket cancelled and refunded; its seat is back on sale."))
        else:
            flash(request, _("This ticket cannot be cancelled in its state."), "error")
        return self.back()

    @view_config(name="reissue", request_method="POST")
    def reissue(self):
        """A damaged ticket: the same names on a new ticket, the old code stops working."""
        request = self.request
        ticket = self.posted_ticket()
        try:
            new = ticket_service.reissue(request, ticket, actor_id=request.identity.id, reason="re-issued by staff")
        except ticket_service.ReissueRefused as refused:
            flash(request, refused.message, "error")
            return self.back()
        flash(request, _("Ticket re-issued with serial %(serial)s; the previous ticket no longer works.",
                         mapping={"serial": new.serial}))
        return self.back()


def booking_globals(event):
    """Date, money and state helpers for every template (the event page and e-mails too)."""
    request = event.get("request")
    if request is None:
        return
    for key, value in helpers(request).items():
        event.setdefault(key, value)


def includeme(config):
    config.add_subscriber(booking_globals, "pyramid.events.BeforeRender")
    config.add_nav_item("/tickets/", _("My tickets"), Permission.TICKET_BUY, order=60)
    config.add_account_section("olympix:templates/booking/_account_panel.jinja2", order=20)
