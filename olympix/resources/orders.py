"""Orders in the tree: the buyer's ``/orders/`` and the staff's ``/backoffice/orders/``.

- ``/orders/`` (OrdersFolder, "My orders") → ``/orders/<reference>/`` (OrderResource)
- ``/backoffice/orders/`` (BackofficeOrders: find by reference) → ``<reference>``

The same order is two resources: under /orders/ it is the buyer's page
(attendee names, pay), for the buyer only; under /backoffice/orders/ staff
view it and refund. An unknown or malformed reference is a KeyError (404).
"""
from pyramid.authorization import DENY_ALL, Allow
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..models import Order, OrderLine
from ..security import principals as p
from ..security.permissions import Permission as P
from .backoffice import BackofficeFolder
from .base import Container, Item
from .root import root_child

MAX_REFERENCE = 16
# Built once, bound per request (as the session's loader, resources/catalogue.py).
_BY_REFERENCE = (select(Order).where(Order.reference == bindparam("reference"))
                 .options(joinedload(Order.lines).joinedload(OrderLine.event),
                          joinedload(Order.lines).joinedload(OrderLine.offer)))
STAFF_ACL = [(Allow, p.MANAGER, (P.ORDER_VIEW, P.ORDER_REFUND)),
             (Allow, p.ADMIN, (P.ORDER_VIEW, P.ORDER_REFUND))]


class OrderResource(Item):
    """One order (``row``, also ``order``)."""

    @property
    def order(self):
        return self.row

    @property
    def __acl__(self):
        # Staff act on it from /backoffice/orders/, never on the buyer's page.
        if isinstance(self.__parent__, BackofficeOrders):
            return [*STAFF_ACL, DENY_ALL]
        return [(Allow, f"user:{self.row.user_id}", P.ORDER_VIEW), DENY_ALL]


class _OrdersByReference(Container):
    def load(self, reference):
        if not (reference.isalnum() and len(reference) <= MAX_REFERENCE):
            raise KeyError(reference)
        # The lines with their session and offer in the same statement: every
        # order page shows them (issue 11: one query per relationship before).
        row = self.request.dbsession.scalars(_BY_REFERENCE, {"reference": reference.upper()}).unique().first()
        if row is None:
            raise KeyError(reference)
        return OrderResource(row, self, reference)


@root_child("orders")
class OrdersFolder(_OrdersByReference):
    """The signed-in person's orders (the list is their own; items check the ACL)."""


@BackofficeFolder.child("orders")
class BackofficeOrders(_OrdersByReference):
    """Staff find an order by reference and cancel it or one of its tickets."""

    __acl__ = STAFF_ACL
