"""The holder's tickets: the list, the phone ticket, the PDF, putting a ticket in another name."""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config, view_defaults

from ..i18n import _
from ..interfaces import IBarcodeService
from ..resources.tickets import TicketResource, TicketsFolder
from ..schemas.booking import TransferSchema
from ..security.permissions import Permission
from ..services import ticket_pdf
from ..services import tickets as ticket_service
from ..services.clock import now
from .forms import FormView, flash

TEMPLATE = "olympix:templates/booking/{}.jinja2"


def pdf_response(body, filename):
    response = Response(body=body, content_type="application/pdf")
    response.content_disposition = f'inline; filename="{filename}"'
    response.cache_control = "private, no-store"
    return response


@view_config(context=TicketsFolder, permission=Permission.TICKET_BUY, renderer=TEMPLATE.format("tickets"))
def my_tickets(context, request):
    return {"rows": [(t, t.state in ticket_service.LIVE_STATES, ticket_service.is_visible(request, t.event),
                      ticket_service.visible_from(request, t.event))
                     for t in ticket_service.tickets_of_owner(request, request.identity.id)]}


class TicketPage:
    """What every view of one ticket shares: its event, the "not yet" answer, the page's values."""

    def __init__(self, context, request):
        self.context, self.request = context, request
        self.ticket = context.ticket
        self.event = self.ticket.event

    def not_yet(self):
        """The ticket is not shown before ``olympix.tickets.visible_before``: say from when."""
        flash(self.request, _("This ticket is available from %(when)s."), "info",
              when=self.request.fmt.datetime(ticket_service.visible_from(self.request, self.event)))
        return HTTPSeeOther(self.request.resource_url(self.context.__parent__))

    def visible(self):
        return ticket_service.is_visible(self.request, self.event)

    def live(self):
        return self.ticket.state in ticket_service.LIVE_STATES

    def can_transfer(self):
        return self.live() and ticket_service.transfer_open(self.request, self.event)

    def page(self):
        request, ticket = self.request, self.ticket
        live = self.live()
        if live:
            ticket_service.mark_delivered(request, ticket)
        # The phone shows the rotating code only (a screenshot of it is stale
        # within a minute); the printed code is the PDF's.
        rotating = ticket_service.rotating_codes(request, ticket) if live else None
        code = ticket_service.current_rotating_code(rotating) if live else None
        return {
            "ticket": ticket, "event": self.event, "live": live, "code": code, "rotating": rotating,
            "phone_only": self.event.phone_only, "now_utc": now(request),
            "offer": ticket.order_line.offer if ticket.order_line else None,
            "qr_svg": request.find_service(IBarcodeService).qr_svg(code, module_mm=2) if live else None,
            "replacement": None if live else ticket_service.replacement_of(request, ticket),
            "form": None,
        }


@view_defaults(context=TicketResource, permission=Permission.TICKET_VIEW, request_method="GET")
class TicketViews(TicketPage):
    @view_config(renderer=TEMPLATE.format("mticket"))
    def mobile(self):
        if not self.visible():
            return self.not_yet()
        values = self.page()
        if self.can_transfer():
            form = TransferForm(self.context, self.request)
            values["form"] = form.form().render(form.appstruct())
        return values

    @view_config(name="pdf")
    def pdf(self):
        if not self.visible():
            return self.not_yet()
        if not self.live():
            raise HTTPNotFound()
        if self.event.phone_only:
            flash(self.request, ticket_service.PHONE_ONLY, "info")
            return HTTPSeeOther(self.request.resource_url(self.context))
        ticket_service.mark_delivered(self.request, self.ticket)
        return pdf_response(ticket_pdf.render_pdf(self.request, [self.ticket]),
                            f"olympix-ticket-{self.ticket.serial}.pdf")


@view_config(context=TicketResource, name="transfer", permission=Permission.TICKET_VIEW,
             request_method="POST", renderer=TEMPLATE.format("mticket"))
class TransferForm(FormView, TicketPage):
    """The holder puts the ticket in another name: a new ticket, the old one stops working."""

    schema_class = TransferSchema
    button = _("Issue the ticket in this name")
    formid = "transfer"

    def __init__(self, context, request):
        TicketPage.__init__(self, context, request)

    def appstruct(self):
        return {"first_name": self.ticket.attendee_first_name, "last_name": self.ticket.attendee_last_name}

    def action(self):
        return self.request.resource_url(self.context, "@@transfer")

    def form(self):
        form = super().form()
        # The page is shown at the gate: focusing the name field would scroll
        # past the QR code and open the phone's keyboard.
        for field in form.children:
            field.autofocus = None
        return form

    def values(self):
        return self.page()

    def __call__(self):
        if not self.visible():
            return self.not_yet()
        if not self.can_transfer():
            flash(self.request, ticket_service.EVENT_STARTED if self.live() else ticket_service.NOT_LIVE, "error")
            return HTTPSeeOther(self.request.resource_url(self.context))
        return super().__call__()

    def success(self, data):
        request = self.request
        try:
            new = ticket_service.reissue(request, self.ticket, first_name=data["first_name"],
                                         last_name=data["last_name"], actor_id=request.identity.id,
                                         reason="transfer")
        except ticket_service.ReissueRefused as refused:
            flash(request, refused.message, "error")
            return HTTPSeeOther(request.resource_url(self.context))
        flash(request, _("This ticket is now in the name of %(name)s, with a new code. The previous ticket "
                         "no longer works: only this one will be accepted at the gate."), name=new.attendee_name)
        return HTTPSeeOther(request.resource_url(self.context.__parent__, new.id, ""))


def includeme(config):
    config.add_nav_item("/tickets/", _("My tickets"), Permission.TICKET_BUY, order=60)
