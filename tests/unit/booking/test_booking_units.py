"""Pure parts of the booking area: ACLs, references, serials, the PDF's bar width."""
from types import SimpleNamespace

from pyramid import testing
from pyramid.authorization import ACLHelper, Authenticated, Everyone

from olympix.resources.orders import BackofficeOrders, OrderResource, OrdersFolder
from olympix.resources.tickets import TicketResource, TicketsFolder
from olympix.security.permissions import Permission as P
from olympix.services import booking, ticket_pdf, tickets


def principals(user_id, role="user"):
    return [Everyone, Authenticated, f"user:{user_id}", f"role:{role}"]


def test_order_acl_buyer_views_staff_refunds_others_nothing():
    request = testing.DummyRequest()
    order = OrderResource(SimpleNamespace(id=1, user_id=7), OrdersFolder(request), "REF")
    acl = ACLHelper()
    assert acl.permits(order, principals(7), P.ORDER_VIEW)
    assert not acl.permits(order, principals(7), P.ORDER_REFUND)
    assert not acl.permits(order, principals(8), P.ORDER_VIEW)
    # /orders/<ref> is the buyer's page; staff act from /backoffice/orders/<ref>
    assert not acl.permits(order, principals(8, "manager"), P.ORDER_VIEW)
    assert not acl.permits(order, principals(8, "admin"), P.ORDER_VIEW)
    staff_side = OrderResource(SimpleNamespace(id=1, user_id=7), BackofficeOrders(request), "REF")
    assert acl.permits(staff_side, principals(8, "manager"), P.ORDER_REFUND)
    assert acl.permits(staff_side, principals(8, "admin"), P.ORDER_REFUND)
    assert not acl.permits(staff_side, principals(7), P.ORDER_REFUND)
    assert not acl.permits(staff_side, principals(8, "editor"), P.ORDER_VIEW)


def test_ticket_acl_is_owner_only():
    ticket = TicketResource(SimpleNamespace(id=1, owner_id=3), TicketsFolder(testing.DummyRequest()), "1")
    acl = ACLHelper()
    assert acl.permits(ticket, principals(3), P.TICKET_VIEW)
    assert not acl.permits(ticket, principals(3), P.ORDER_REFUND)
    assert not acl.permits(ticket, principals(4), P.TICKET_VIEW)
    assert not acl.permits(ticket, principals(4, "manager"), P.TICKET_VIEW)
    assert not acl.permits(ticket, principals(4, "admin"), P.TICKET_VIEW)


def test_references_and_serials():
    refs = {booking.new_reference() for _ in range(1000)}
    assert len(refs) == 1000
    assert all(len(r) == 10 and set(r) <= set(booking.REFERENCE_ALPHABET) for r in refs)
    serials = [tickets.new_serial() for _ in range(1000)]
    assert all(0 < s < 2**48 for s in serials) and len(set(serials)) == 1000


def test_pdf_module_is_two_pixels_at_150_dpi():
    assert abs(ticket_pdf.MODULE_MM * 150 / 25.4 - 2) < 1e-9
