"""Orders, tickets and the payment notification endpoint in the tree.

- ``/orders/`` (OrdersFolder, "My orders") → ``/orders/<reference>/`` (OrderResource)
- ``/tickets/`` (TicketsFolder, "My tickets") → ``/tickets/<id>/`` (TicketResource):
  ``@@pdf`` the printable ticket, the default view the phone ticket
- ``/api/payments/notify`` (PaymentsApi): the provider's signed webhook
- ``/backoffice/orders/`` (BackofficeOrders) → ``<reference>`` (OrderResource)

Items carry their ACL as a property computed from the owner: the buyer may
view (under /orders/), staff may view and refund (under /backoffice/orders/). An unknown or malformed key is a KeyError (404).
"""
from pyramid.authorization import DENY_ALL, Allow
from sqlalchemy import select

from ..models import Order, Ticket
from ..security import principals as p
from ..security.permissions import Permission as P
from .api import ApiFolder
from .backoffice import BackofficeFolder
from .root import root_child

STAFF_ACL = [(Allow, p.MANAGER, (P.ORDER_VIEW, P.ORDER_REFUND)),
             (Allow, p.ADMIN, (P.ORDER_VIEW, P.ORDER_REFUND))]


class OrderResource:
    """One order; ``order`` is the row."""

    def __init__(self, order, parent, name):
        self.order, self.__parent__, self.__name__ = order, parent, name

    @property
    def __acl__(self):
        # Under /orders/ it is the buyer's page (attendee names, pay): the
        # buyer only. Staff act on it from /backoffice/orders/.
        if isinstance(self.__parent__, BackofficeOrders):
            return [*STAFF_ACL, DENY_ALL]
        return [(Allow, f"user:{self.order.user_id}", P.ORDER_VIEW), DENY_ALL]


def _find_order(request, reference):
    if not (isinstance(reference, str) and reference.isalnum() and len(reference) <= 16):
        raise KeyError(reference)
    order = request.dbsession.scalar(select(Order).where(Order.reference == reference.upper()))
    if order is None:
        raise KeyError(reference)
    return order


@root_child("orders")
class OrdersFolder:
    """The signed-in person's orders (the list is their own; items check the ACL)."""

    def __init__(self, request):
        self.request = request

    def __getitem__(self, reference):
        return OrderResource(_find_order(self.request, reference), self, reference)


class TicketResource:
    """One ticket: only its owner sees it (staff act on it through its order)."""

    def __init__(self, ticket, parent, name):
        self.ticket, self.__parent__, self.__name__ = ticket, parent, name

    @property
    def __acl__(self):
        return [(Allow, f"user:{self.ticket.owner_id}", P.ORDER_VIEW), DENY_ALL]


@root_child("tickets")
class TicketsFolder:
    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        if not (name.isdigit() and len(name) < 12):
            raise KeyError(name)
        ticket = self.request.dbsession.get(Ticket, int(name))
        if ticket is None:
            raise KeyError(name)
        return TicketResource(ticket, self, name)


@ApiFolder.child("payments")
class PaymentsApi:
    """``POST /api/payments/notify``: HMAC-signed, so no session and no CSRF token."""

    def __init__(self, request):
        self.request = request


@BackofficeFolder.child("orders")
class BackofficeOrders:
    """Staff find an order by reference and cancel it or one of its tickets."""

    __acl__ = STAFF_ACL

    def __init__(self, request):
        self.request = request

    def __getitem__(self, reference):
        return OrderResource(_find_order(self.request, reference), self, reference)
