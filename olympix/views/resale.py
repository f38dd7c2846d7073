"""Face-value resale: the holder lists or withdraws a ticket, a buyer holds a listed one.

``POST /tickets/<id>/@@resell``, ``@@resell-pack`` (the ticket's whole
Duo/Family pack as one listing) and ``@@withdraw-resale`` (the holder),
``POST /events/<slug>/@@buy-resale`` (a signed-in buyer; the held order is
then paid like any other). The rules are services/resale.py's.
"""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..i18n import _
from ..resources.catalogue import EventResource
from ..resources.tickets import TicketResource
from ..security.permissions import Permission
from ..services import resale
from .forms import flash


def _back_to_order(request, ticket):
    return HTTPSeeOther(request.resource_url(request.root, "orders", ticket.order.reference))


@view_config(context=TicketResource, name="resell", permission=Permission.TICKET_VIEW, request_method="POST")
def resell(context, request):
    ticket = context.ticket
    try:
        listing = resale.list_ticket(request, ticket, request.identity)
    except resale.ResaleRefused as refused:
        flash(request, refused.message, "error")
    else:
        flash(request, _("Your ticket is on the official resale at %(price)s until %(when)s. It keeps working "
                         "until someone buys it; you are then refunded and told by e-mail."), "success",
              price=request.fmt.money(listing.price_cents),
              when=request.fmt.datetime(resale.deadline(request, ticket.event)))
    return _back_to_order(request, ticket)


@view_config(context=TicketResource, name="resell-pack", permission=Permission.TICKET_VIEW, request_method="POST")
def resell_pack(context, request):
    ticket = context.ticket
    try:
        listing = resale.list_pack(request, ticket, request.identity)
    except resale.ResaleRefused as refused:
        flash(request, refused.message, "error")
    else:
        flash(request, _("Your pack of %(seats)s tickets is on the official resale at %(price)s until %(when)s, "
                         "sold whole. They keep working until someone buys it; you are then refunded and told "
                         "by e-mail."), "success", seats=listing.seats,
              price=request.fmt.money(listing.price_cents),
              when=request.fmt.datetime(resale.deadline(request, ticket.event)))
    return _back_to_order(request, ticket)


@view_config(context=TicketResource, name="withdraw-resale", permission=Permission.TICKET_VIEW,
             request_method="POST")
def withdraw(context, request):
    ticket = context.ticket
    try:
        listing = resale.withdraw(request, ticket, request.identity)
    except resale.ResaleRefused as refused:
        flash(request, refused.message, "error")
    else:
        flash(request, _("Your pack is no longer on resale.") if listing.seats > 1
              else _("Your ticket is no longer on resale."), "success")
    return _back_to_order(request, ticket)


@view_config(context=EventResource, name="buy-resale", permission=Permission.TICKET_BUY, request_method="POST")
def buy_resale(context, request):
    raw = request.POST.get("listing", "")
    listing_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    try:
        order = resale.hold(request, request.identity, context.event, listing_id)
    except resale.ResaleRefused as refused:
        flash(request, refused.message, "error")
        return HTTPSeeOther(request.resource_url(context))
    return HTTPSeeOther(request.resource_url(request.root, "orders", order.reference))
