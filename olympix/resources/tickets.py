"""``/tickets/`` ("My tickets") → ``/tickets/<id>/``: the phone ticket, ``@@pdf`` the printable one.

A ticket is its owner's only: the item grants ``ticket:ticket:view`` to
the owner and denies everything else (staff act on tickets through their
order in the back office).
"""
from pyramid.authorization import DENY_ALL, Allow

from ..models import Ticket
from ..security.permissions import Permission as P
from .base import Container, Item, row_id
from .root import root_child


class TicketResource(Item):
    """One ticket (``row``, also ``ticket``)."""

    @property
    def ticket(self):
        return self.row

    @property
    def __acl__(self):
        return [(Allow, f"user:{self.row.owner_id}", P.TICKET_VIEW), DENY_ALL]


@root_child("tickets")
class TicketsFolder(Container):
    def load(self, name):
        row = self.request.dbsession.get(Ticket, row_id(name, digits=11))
        if row is None:
            raise KeyError(name)
        return TicketResource(row, self, name)
