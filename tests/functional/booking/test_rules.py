"""Bad input, limits, other people's orders, holds that expire, staff cancel, notices."""
from datetime import timedelta

import pytest
import webtest
from sqlalchemy import func, select

from olympix.models import AuditEntry, Event, Order, OrderAttendee, Payment, Ticket
from olympix.scripts.booking import send_ticket_notices, sweep_holds
from olympix.seed import booking as seed_booking
from olympix.seed.schedule import DEMO_TODAY_CODE
from tests.factories.orders import paid_order
from tests.functional.booking.journey import (
    CARD_OK,
    book,
    fresh,
    hold_and_pay_page,
    local,
    pay_at_provider,
    seats_left,
)
from tests.functional.helpers import in_request, sign_in


@pytest.mark.parametrize("quantity", ["0", "-1", str(10**9), "abc", ""])
def test_bad_quantities_change_nothing(testapp, buyer, make_event, dbsession, quantity):
    event = make_event(capacity=10)
    page = testapp.get(f"/events/{event.slug}/@@book")
    form = page.forms["form"]
    form["quantity"] = quantity
    response = form.submit("submit")
    assert response.status_int == 200 and "invalid-feedback" in response.text
    assert seats_left(dbsession, event) == 10
    assert dbsession.scalar(select(func.count(Order.id))) == 0


def test_offer_of_another_event_and_stale_csrf(testapp, buyer, make_event, dbsession):
    event, other = make_event(capacity=10), make_event(capacity=10)
    page = testapp.get(f"/events/{event.slug}/@@book")
    fields = dict(page.forms["form"].submit_fields())
    fields.update({"offer": str(other.offers[0].id), "quantity": "1"})
    assert testapp.post(f"/events/{event.slug}/@@book", fields).status_int == 200
    fields.update({"offer": str(event.offers[0].id), "csrf_token": "stale"})
    assert testapp.post(f"/events/{event.slug}/@@book", fields, status=400).status_int == 400
    assert seats_left(dbsession, event) == 10 and seats_left(dbsession, other) == 10
    assert dbsession.scalar(select(func.count(Order.id))) == 0


def test_per_event_and_per_account_limits(testapp, buyer, make_event, dbsession, app):
    event = make_event(capacity=100)
    assert book(testapp, event, "family", 1).status_int == 303  # 4 seats
    refused = book(testapp, event, "duo", 2)  # 4 more: 8 > 6
    assert refused.status_int == 200 and "Au plus 6 billets" in refused.text
    assert book(testapp, event, "duo", 1).status_int == 303  # 6: the limit exactly
    assert seats_left(dbsession, event) == 94
    app.registry.settings["olympix.booking.max_per_account"] = 8
    try:
        other = make_event(capacity=100)
        refused = book(testapp, other, "family", 1)
        assert "Au plus 8 billets par compte" in refused.text
    finally:
        app.registry.settings["olympix.booking.max_per_account"] = 30


def test_not_enough_seats(testapp, buyer, make_event, dbsession):
    event = make_event(capacity=3)
    refused = book(testapp, event, "family", 1)
    assert "pas assez de places" in refused.text
    assert seats_left(dbsession, event) == 3


def test_another_persons_order_is_refused(testapp, buyer, make_event, make_user, dbsession):
    event = make_event()
    order_url = book(testapp, event, "solo", 1).location
    path = order_url.replace("http://localhost", "")
    make_user("eve@example.test", first_name="Eve")
    sign_in(testapp, "eve@example.test")
    assert testapp.get(path, status=404).status_int == 404  # not hers: as if it did not exist
    csrf = testapp.get("/account/@@profile").forms["form"]["csrf_token"].value  # Eve's own, valid token
    assert testapp.post(path.rstrip("/") + "/@@pay", {"csrf_token": csrf}, status=404).status_int == 404
    assert testapp.get("/orders/NOSUCHREF0/", status=404).status_int == 404
    assert testapp.get("/orders/%27%20OR%201=1/", status=404).status_int == 404
    assert testapp.get("/tickets/999999/", status=404).status_int == 404
    assert testapp.get("/tickets/abc/", status=404).status_int == 404
    assert testapp.get("/backoffice/orders/", status=403).status_int == 403


def test_staff_see_a_buyers_order_only_in_the_back_office(testapp, buyer, make_event, make_user, dbsession):
    """/orders/<ref> is the buyer's own page (attendee names, pay): staff use /backoffice/orders/<ref>."""
    event = make_event()
    path = book(testapp, event, "duo", 1).location.replace("http://localhost", "")
    reference = path.strip("/").split("/")[-1]
    for role in ("manager", "admin"):
        make_user(f"{role}@example.test", role=role, first_name="Staff")
        sign_in(testapp, f"{role}@example.test")
        assert testapp.get(path, status="*").status_int == 404
        csrf = testapp.get("/account/@@profile").forms["form"]["csrf_token"].value
        response = testapp.post(path.rstrip("/") + "/@@pay", {"csrf_token": csrf, "first_name": "Mallory",
                                                 "last_name": "Staff"}, status="*")
        assert response.status_int == 404
        assert reference in testapp.get(f"/backoffice/orders/{reference}/").text
    fresh(dbsession)
    assert "Mallory" not in {a.first_name for a in dbsession.scalars(select(OrderAttendee))}


def test_expired_hold_gives_seats_back_when_seen_and_by_the_sweep(testapp, buyer, make_event, dbsession,
                                                                  clock, app):
    event = make_event(capacity=5)
    first = book(testapp, event, "duo", 1).location.replace("http://localhost", "")
    book(testapp, event, "duo", 1)
    assert seats_left(dbsession, event) == 1
    clock.advance(minutes=10, seconds=1)
    page = testapp.get(first)  # seen: released at once
    assert "a expiré" in page.text and seats_left(dbsession, event) == 3
    assert in_request(app, sweep_holds) == (0, 1)  # the other one, by the sweep
    assert seats_left(dbsession, event) == 5
    assert in_request(app, sweep_holds) == (0, 0)  # idempotent
    assert dbsession.scalar(select(func.count(Order.id)).where(Order.state == "expired")) == 2


def test_full_event_reclaims_expired_holds_for_a_new_buyer(testapp, buyer, make_event, dbsession, clock,
                                                            app, make_user):
    event = make_event(capacity=2)
    assert book(testapp, event, "duo", 1).status_int == 303
    assert "pas assez" in book(testapp, event, "solo", 1).text
    clock.advance(minutes=11)
    # The buyer whose hold lapsed waits (issue 15.5, test_hold_throttling.py); another one gets the seats.
    make_user("next@example.test")
    other = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "fr"})
    sign_in(other, "next@example.test")
    assert book(other, event, "duo", 1).status_int == 303
    assert seats_left(dbsession, event) == 0


def test_attendee_names_are_required_and_saved(testapp, buyer, make_event, dbsession):
    event = make_event()
    page = book(testapp, event, "family", 1).follow()
    form = page.forms["form"]
    assert len(form.fields["first_name"]) == 4
    response = form.submit("submit")
    assert response.status_int == 200 and "invalid-feedback" in response.text  # 3 names missing
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(Payment.id))) == 0
    names = dbsession.scalars(select(OrderAttendee.first_name).order_by(OrderAttendee.position)).all()
    assert names == ["Ada", "", "", ""]


def test_tickets_visible_only_from_the_setting(testapp, buyer, make_event, dbsession, app):
    event = make_event(starts_in=timedelta(days=5))
    reference = paid_order(app, event, buyer)
    ticket = dbsession.scalar(select(Ticket))
    mine = testapp.get("/tickets/")
    assert "Disponible à partir du" in mine.text
    assert testapp.get(f"/tickets/{ticket.id}/").status_int == 303
    assert testapp.get(f"/orders/{reference}/@@tickets.pdf").status_int == 303
    fresh(dbsession)
    assert dbsession.get(Ticket, ticket.id).state == "paid"
    app.registry.settings["olympix.tickets.visible_before"] = 0
    try:
        assert "Disponible à partir du" in testapp.get("/tickets/").text
    finally:
        app.registry.settings["olympix.tickets.visible_before"] = 48
    app.registry.settings["olympix.tickets.visible_before"] = 24 * 6
    try:
        assert testapp.get(f"/tickets/{ticket.id}/").status_int == 200
    finally:
        app.registry.settings["olympix.tickets.visible_before"] = 48


def test_ticket_notices_are_sent_once(testapp, buyer, make_event, dbsession, app, mailbox, clock):
    soon, later = make_event(), make_event(starts_in=timedelta(days=4))
    paid_order(app, soon, buyer)
    paid_order(app, later, buyer, offer="solo")
    mailbox.clear()
    # Bought 6 hours before the start: the confirmation already said the
    # tickets were ready; a second "they are ready" would come late (issue 14.6).
    assert in_request(app, send_ticket_notices) == 0
    clock.advance(days=2, hours=1)  # the later session's tickets become visible (48 h before)
    assert in_request(app, send_ticket_notices) == 1
    assert in_request(app, send_ticket_notices) == 0
    assert len(mailbox.to("buyer@example.test")) == 1


def test_ticket_notices_follow_each_events_own_delay(testapp, buyer, make_event, dbsession, app, mailbox, clock):
    own, default = make_event(starts_in=timedelta(days=4)), make_event(starts_in=timedelta(days=4))
    dbsession.get(Event, own.id).tickets_visible_before = 24 * 5  # visible 5 days before: now
    dbsession.commit()
    paid_order(app, own, buyer)
    paid_order(app, default, buyer, offer="solo")
    # Paid before the event's tickets were visible? The own-delay event's
    # tickets are visible from the payment on: its confirmation said so.
    assert in_request(app, send_ticket_notices) == 0
    later = make_event(starts_in=timedelta(days=8))
    dbsession.get(Event, later.id).tickets_visible_before = 24 * 5
    dbsession.commit()
    paid_order(app, later, buyer)
    mailbox.clear()
    clock.advance(days=2, hours=1)  # the default session's 48 h have begun; the 8-day one is 6 days away
    assert in_request(app, send_ticket_notices) == 1
    clock.advance(days=1)  # the 8-day session is under 5 days away: its own delay has begun
    assert in_request(app, send_ticket_notices) == 1
    assert len(mailbox.to("buyer@example.test")) == 2


def test_no_ticket_notice_once_a_ticket_was_scanned(testapp, buyer, make_event, dbsession, app, mailbox, clock):
    later = make_event(starts_in=timedelta(days=4))
    paid_order(app, later, buyer)
    clock.advance(days=2, hours=1)
    ticket = dbsession.scalars(select(Ticket)).first()
    ticket.state = "scanned"  # the holder came in (the notice's run was late)
    dbsession.commit()
    mailbox.clear()
    assert in_request(app, send_ticket_notices) == 0
    assert mailbox.to("buyer@example.test") == []


def test_staff_cancel_order_and_ticket(testapp, buyer, make_event, make_user, dbsession, sandbox):
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10)
    _page, to_provider = hold_and_pay_page(testapp, event)
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))
    fresh(dbsession)
    reference = dbsession.scalar(select(Order.reference))
    checkout_id = dbsession.scalar(select(Payment.checkout_id))
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    page = testapp.get("/backoffice/orders/")
    page.forms["form"]["reference"] = reference.lower()
    order_page = page.forms["form"].submit("submit").follow()
    assert reference in order_page.text
    # states in staff words, the payment's status named (not "paid"), times with their zone
    payment_line = next(li.text for li in order_page.html.find_all("li") if checkout_id in li.text)
    assert "· Payé ·" in payment_line and "80,00" in payment_line
    assert order_page.text.count("payé, pas encore ouvert") == 2 and "(heure de Paris)" in order_page.text
    ticket_form = next(f for f in order_page.forms.values() if "ticket" in f.fields)
    after = ticket_form.submit().follow()
    assert "Billet annulé" in after.text
    assert seats_left(dbsession, event) == 9
    assert pay_app.store.get_session(checkout_id)["amount_refunded"] == 4000
    cancel_form = next(f for f in after.forms.values() if f.action.endswith("@@cancel"))
    done = cancel_form.submit().follow()
    assert "Commande annulée" in done.text
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "cancelled"
    assert set(dbsession.scalars(select(Ticket.state))) == {"deactivated"}
    assert dbsession.get(Event, event.id).seats_left == 10
    assert pay_app.store.get_session(checkout_id)["amount_refunded"] == 8000
    assert dbsession.scalar(select(Payment.status)) == "refunded"
    actions = dbsession.scalars(select(AuditEntry.action)).all()
    assert "order.cancel" in actions and "ticket.cancel" in actions
    assert actions.count("payment.refund") == 2  # the ticket's share, then the rest
    # the buyer cannot reach the back office; a second cancel changes nothing
    assert "ne peut pas" in cancel_form.submit().follow().text


def test_account_deletion_deactivates_unused_tickets(testapp, buyer, make_event, dbsession, app):
    event = make_event()
    paid_order(app, event, buyer)
    page = testapp.get("/account/@@delete")
    page.forms["form"]["password"] = "correct horse battery"
    page.forms["form"]["confirm"] = True
    page.forms["form"].submit("submit")
    fresh(dbsession)
    assert set(dbsession.scalars(select(Ticket.state))) == {"deactivated"}
    # the names on the tickets and the order are erased with the account
    assert set(dbsession.scalars(select(Ticket.attendee_last_name))) == {""}
    assert set(dbsession.scalars(select(OrderAttendee.last_name))) == {""}


def test_seed_gives_the_demo_user_a_paid_duo(app, dbsession, testapp, make_user, make_event):
    make_user(seed_booking.DEMO_EMAIL, first_name="Camille", last_name="Martin")
    event = make_event(capacity=20)
    dbsession.execute(Event.__table__.update().where(Event.id == event.id).values(code=DEMO_TODAY_CODE))
    dbsession.commit()
    assert in_request(app, seed_booking.seed) is not None
    assert in_request(app, seed_booking.seed) is None  # idempotent
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(Ticket.id))) == 2
    assert dbsession.get(Event, event.id).seats_left == 18


def test_book_form_names_offers_as_everywhere(testapp, buyer, make_event):
    """The offer texts come from the formatting module: the same words as the event page."""
    event = make_event(capacity=10)
    page = testapp.get(f"/events/{event.slug}/@@book")
    labels = [label.text.strip() for label in page.html.select("form#form label.form-check-label")]
    assert labels == ["Solo — 1 place (45,00\u00a0€)", "Duo — 2 places côte à côte (80,00\u00a0€)",
                      "Famille — 4 places côte à côte (150,00\u00a0€)"], labels
