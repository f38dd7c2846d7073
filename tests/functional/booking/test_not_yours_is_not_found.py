"""Issue 15.7: someone else's ticket or order answers exactly like one that does not exist.

Ticket ids are sequential: 403 for an existing ticket and 404 beyond told
how many tickets were sold, and which ids to try.
"""
from datetime import timedelta

from sqlalchemy import select

from olympix.models import Ticket
from tests.factories import catalogue
from tests.factories.orders import paid_order
from tests.functional.helpers import sign_in


def same_page(response, path):
    """The page without its own address (the language links carry it)."""
    from urllib.parse import quote

    return response.text.replace(quote(path, safe=""), "PATH").replace(path, "PATH")


def test_another_persons_ticket_and_order_are_not_found(app, testapp, make_user, dbsession, clock):
    owner = make_user("owner@example.test")
    make_user("curious@example.test")
    event = catalogue.event(dbsession, clock.now() + timedelta(hours=6), capacity=10)
    dbsession.commit()
    reference = paid_order(app, event, owner)
    ticket_id = dbsession.scalar(select(Ticket.id).order_by(Ticket.id))
    sign_in(testapp, "curious@example.test")
    paths = [(f"/tickets/{ticket_id}/", f"/tickets/{ticket_id + 1000}/"),
             (f"/tickets/{ticket_id}/@@pdf", f"/tickets/{ticket_id + 1000}/@@pdf"),
             (f"/orders/{reference}/", "/orders/OX-NOT-A-REF/")]
    for theirs, nothing in paths:
        seen, missing = testapp.get(theirs, expect_errors=True), testapp.get(nothing, expect_errors=True)
        assert seen.status_int == missing.status_int == 404, theirs
        assert same_page(seen, theirs) == same_page(missing, nothing)


def test_signed_out_visitors_are_sent_to_sign_in_whether_or_not_it_exists(app, testapp, make_user, dbsession,
                                                                          clock):
    owner = make_user("owner@example.test")
    event = catalogue.event(dbsession, clock.now() + timedelta(hours=6), capacity=10)
    dbsession.commit()
    paid_order(app, event, owner)
    ticket_id = dbsession.scalar(select(Ticket.id).order_by(Ticket.id))
    seen, missing = testapp.get(f"/tickets/{ticket_id}/"), testapp.get(f"/tickets/{ticket_id + 1000}/")
    assert seen.status_int == missing.status_int == 303
    assert "/account/@@login" in seen.location and "/account/@@login" in missing.location
