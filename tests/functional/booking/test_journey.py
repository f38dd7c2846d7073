"""Book → provider's hosted page → test card → back → tickets, through the real forms."""
import json
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from olympix.models import Event, Order, Payment, Ticket, TicketHistory
from olympix.scripts.booking import sweep_holds
from olympix.services.payment_gateway import SandboxPaymentGateway, sign_notification, sign_return
from tests.functional.booking.journey import (
    CARD_DECLINED,
    CARD_DELAYED,
    CARD_LOST,
    CARD_OK,
    CARD_TWICE,
    WEBHOOK_SECRET,
    fresh,
    hold_and_pay_page,
    local,
    pay_at_provider,
)
from tests.functional.helpers import in_request


def test_the_confirmation_says_when_far_tickets_come(testapp, buyer, make_event, sandbox, mailbox):
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10, starts_in=timedelta(days=5))
    _page, to_provider = hold_and_pay_page(testapp, event)
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))
    pay_app.notifier.join(5)
    [confirmation] = mailbox.to("buyer@example.test")
    body = mailbox.text(confirmation)
    assert "Vos billets seront dans Mes billets à partir du" in body and "sont prêts" not in body


def test_whole_journey_book_pay_tickets(testapp, buyer, make_event, sandbox, dbsession, mailbox):
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10)
    order_page, to_provider = hold_and_pay_page(testapp, event)
    assert to_provider.status_int == 303 and "/pay/" in to_provider.location
    fresh(dbsession)
    assert dbsession.get(Event, event.id).seats_left == 8  # held
    # This card's notification comes 0.3 s after the payment, the return at once: whichever
    # arrives first completes the order, the other finds nothing left to do.
    back = pay_at_provider(sandbox_client, to_provider, CARD_DELAYED)
    assert back.status_int == 303 and "/@@return" in back.location
    order_page = testapp.get(local(back.location))
    assert "Paiement reçu" in order_page
    fresh(dbsession)
    order = dbsession.scalar(select(Order))
    assert order.state == "paid"
    payment = dbsession.scalar(select(Payment))
    assert (payment.status, payment.brand, payment.last4) == ("paid", "visa", "3220")
    tickets = dbsession.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert [t.attendee_name for t in tickets] == ["Ada Lovelace", "Grace Hopper"]
    assert all(t.state == "paid" and 0 < t.serial < 2**48 for t in tickets)
    # once the notification was delivered too (olympix answered it): one set of tickets
    pay_app.notifier.join(5)
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(Ticket.id))) == 2
    assert dbsession.scalar(select(func.count(TicketHistory.id))) == 2
    [confirmation] = mailbox.to("buyer@example.test")
    assert "confirm" in confirmation["Subject"].lower()
    body = mailbox.text(confirmation)
    assert "80,00\u00a0€" in body and "Duo × 1" in body and event.title_fr in body
    assert "Vos billets sont prêts dans Mes billets." in body  # 6 hours before: already there
    # my tickets, the phone ticket (paid → delivered), the PDF
    my = testapp.get("/tickets/")
    assert "Grace Hopper" in my
    mobile = testapp.get(f"/tickets/{tickets[0].id}/")
    assert "<svg" in mobile.text and "OX" in mobile.text
    fresh(dbsession)
    assert dbsession.get(Ticket, tickets[0].id).state == "delivered"
    history = dbsession.scalars(select(TicketHistory.to_state).where(
        TicketHistory.ticket_id == tickets[0].id).order_by(TicketHistory.id)).all()
    assert history == ["paid", "delivered"]
    pdf = testapp.get(f"/orders/{order.reference}/@@tickets.pdf")
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    orders = testapp.get("/orders/")
    row = orders.html.find("a", string=order.reference).find_parent("tr")
    assert "Payée" in row.text and "80,00" in row.text


def test_the_return_is_the_order_page_and_a_reload_changes_nothing(testapp, buyer, make_event, sandbox, dbsession,
                                                                   mailbox):
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10)
    _page, to_provider = hold_and_pay_page(testapp, event)
    back = pay_at_provider(sandbox_client, to_provider, CARD_OK)
    page = testapp.get(local(back.location))  # the order page itself: no redirect to follow
    assert page.status_int == 200 and "Paiement reçu" in page.text and "Grace Hopper" in page.text
    pay_app.notifier.join(5)
    again = testapp.get(local(back.location))  # a reload of the return
    assert again.status_int == 200 and "Paiement reçu" in again.text
    fresh(dbsession)
    order = dbsession.scalar(select(Order))
    assert order.state == "paid" and dbsession.get(Event, event.id).seats_left == 8
    assert dbsession.scalar(select(func.count(Payment.id))) == 1
    assert dbsession.scalar(select(func.count(Ticket.id))) == 2
    assert len(mailbox.to("buyer@example.test")) == 1
    # The message was shown with the page, not kept for the next one.
    assert "Paiement reçu" not in testapp.get(f"/orders/{order.reference}/").text


def test_the_return_reloaded_hours_later_is_the_order_page(testapp, buyer, make_event, sandbox, dbsession):
    """A tab restored the next day: the signed link is too old to be taken, the order is shown."""
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10)
    _page, to_provider = hold_and_pay_page(testapp, event)
    back = local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location)
    pay_app.notifier.join(5)
    query = dict(p.split("=", 1) for p in back.split("?", 1)[1].split("&"))
    stale = sign_return(WEBHOOK_SECRET, query["session_id"], query["status"], int(time.time()) - 2 * 3600)
    later = testapp.get(back.split("?", 1)[0] + "?" + urlencode(stale))
    assert later.status_int == 303 and later.location.endswith(back.split("/@@return", 1)[0])
    assert "Payée" in later.follow().text
    forged = dict(stale, status="canceled")  # not the provider's signature, old or new
    assert testapp.get(back.split("?", 1)[0] + "?" + urlencode(forged), status=400).status_int == 400


def test_declined_card_keeps_the_hold_and_a_retry_works(testapp, buyer, make_event, sandbox, dbsession):
    sandbox_client, _ = sandbox
    event = make_event(capacity=5)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    declined = pay_at_provider(sandbox_client, to_provider, CARD_DECLINED)
    # the hosted page shows the reason and a link back with status=failed
    page = sandbox_client.get(local(declined.location))
    back = next(a["href"] for a in page.html.find_all("a") if "@@return" in a.get("href", ""))
    order_page = testapp.get(local(back))
    assert "refusée" in order_page.text and "réservées jusqu" in order_page.text, order_page.html.find(class_="flash")
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "held"
    assert dbsession.get(Event, event.id).seats_left == 4
    assert dbsession.scalar(select(func.count(Ticket.id))) == 0
    # retry: a new checkout session, paid this time
    retry = order_page.forms["form"].submit("submit")
    assert retry.status_int == 303 and retry.location != to_provider.location
    back = pay_at_provider(sandbox_client, retry, CARD_OK)
    testapp.get(local(back.location))
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "paid"
    assert dbsession.scalar(select(func.count(Payment.id))) == 2
    assert dbsession.scalar(select(func.count(Ticket.id))) == 1


def test_cancel_at_the_provider(testapp, buyer, make_event, sandbox, dbsession):
    sandbox_client, _ = sandbox
    event = make_event(capacity=5)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    page = sandbox_client.get(local(to_provider.location))
    back = page.forms[0].submit("action", value="cancel")
    order_page = testapp.get(local(back.location))
    assert "annulé le paiement" in order_page.text
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "held"
    assert dbsession.scalar(select(Payment.status)) == "canceled"


def test_double_click_on_pay_reuses_the_session(testapp, buyer, make_event, sandbox, dbsession):
    event = make_event()
    order_page, first = hold_and_pay_page(testapp, event, offer="solo")
    second = order_page.forms["form"].submit("submit")
    assert first.location == second.location
    assert dbsession.scalar(select(func.count(Payment.id))) == 1


def test_duplicate_and_late_notifications_mint_once(testapp, buyer, make_event, sandbox, dbsession, clock):
    sandbox_client, _pay_app = sandbox
    event = make_event(capacity=4)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    pay_at_provider(sandbox_client, to_provider, CARD_TWICE)  # notification sent twice
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "paid"
    assert dbsession.scalar(select(func.count(Ticket.id))) == 1
    # a replay of the same signed event, much later: a no-op
    payment = dbsession.scalar(select(Payment))
    body = json.dumps({"id": "evt_replay", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()), "data": {
                           "id": payment.checkout_id, "status": "paid", "amount": payment.amount_cents,
                           "payment": payment.provider_payment_id, "brand": "visa", "last4": "0259",
                           "currency": "EUR"}}).encode()
    response = testapp.post("/api/payments/notify", body, headers={
        "Content-Type": "application/json",
        "Sandbox-Signature": sign_notification(WEBHOOK_SECRET, body, int(time.time()))})
    assert response.json["result"] == "duplicate"
    assert dbsession.scalar(select(func.count(Ticket.id))) == 1


def test_lost_notification_completed_by_the_return(testapp, buyer, make_event, sandbox, dbsession):
    sandbox_client, _ = sandbox
    event = make_event(capacity=4)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    back = pay_at_provider(sandbox_client, to_provider, CARD_LOST)
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "held"  # nothing heard yet
    testapp.get(local(back.location))
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "paid"
    assert dbsession.scalar(select(func.count(Ticket.id))) == 1


def test_late_notification_after_expiry_retakes_or_refunds(testapp, buyer, make_event, sandbox, dbsession,
                                                           clock, app):
    """The hold lapses and the seats go to someone else: the late payment is refunded."""
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=1)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    clock.advance(minutes=11)
    # the sweep asks the provider first: the session is still open, so the hold lapses
    assert in_request(app, sweep_holds) == (0, 1)
    fresh(dbsession)
    assert dbsession.get(Event, event.id).seats_left == 1
    # someone else takes the last seat
    dbsession.execute(Event.__table__.update().values(seats_left=0))
    dbsession.commit()
    back = pay_at_provider(sandbox_client, to_provider, CARD_OK)
    page = testapp.get(local(back.location))
    assert "remboursé" in page.text
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "cancelled"
    assert dbsession.scalar(select(Payment.status)) == "refunded"
    assert dbsession.scalar(select(func.count(Ticket.id))) == 0
    session = pay_app.store.get_session(dbsession.scalar(select(Payment.checkout_id)))
    assert session["amount_refunded"] == session["amount"]


def test_late_payment_takes_the_seats_again_when_free(testapp, buyer, make_event, sandbox, dbsession,
                                                      clock):
    sandbox_client, _ = sandbox
    event = make_event(capacity=3)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    clock.advance(minutes=11)
    row = testapp.get("/orders/").html.find("tbody").find("tr")  # seen: the hold is released
    assert "Expirée" in row.text
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "expired"
    assert dbsession.get(Event, event.id).seats_left == 3
    back = pay_at_provider(sandbox_client, to_provider, CARD_OK)
    testapp.get(local(back.location))
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "paid"
    assert dbsession.get(Event, event.id).seats_left == 2
    assert dbsession.scalar(select(func.count(Ticket.id))) == 1


def test_tampered_notification_is_refused(testapp, sandbox, dbsession):
    body = json.dumps({"id": "evt_x", "type": "checkout.session.completed",
                       "data": {"id": "cs_x", "status": "paid", "amount": 1}}).encode()
    signature = sign_notification(WEBHOOK_SECRET, body, int(time.time()))
    tampered = body.replace(b'"amount": 1', b'"amount": 2')
    response = testapp.post("/api/payments/notify", tampered, status=400, headers={
        "Content-Type": "application/json", "Sandbox-Signature": signature})
    assert response.status_int == 400
    response = testapp.post("/api/payments/notify", body, status=400, headers={
        "Content-Type": "application/json", "Sandbox-Signature": signature.replace("v1=", "v1=0")})
    assert testapp.post("/api/payments/notify", body, status=400).status_int == 400


def test_tampered_return_is_refused(testapp, buyer, make_event, sandbox, dbsession):
    sandbox_client, _ = sandbox
    event = make_event()
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    page = sandbox_client.get(local(to_provider.location))
    back = local(page.forms[0].submit("action", value="cancel").location)
    forged = back.replace("status=canceled", "status=paid")
    assert testapp.get(forged, status=400).status_int == 400


def _signed_paid(payment, session, **overrides):
    data = {"id": payment.checkout_id, "status": "paid", "amount": session["amount"],
            "currency": session["currency"], "reference": session["reference"],
            "payment": session["payment_id"], "brand": "visa", "last4": "0341"}
    data.update(overrides)
    body = json.dumps({"id": "evt_forged", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()), "data": data}).encode()
    return body, {"Content-Type": "application/json",
                  "Sandbox-Signature": sign_notification(WEBHOOK_SECRET, body, int(time.time()))}


@pytest.mark.parametrize("overrides", [{"currency": "USD"}, {"reference": "OTHERREF01"}])
def test_paid_notification_for_another_currency_or_order_is_refunded(testapp, buyer, make_event, sandbox,
                                                                     dbsession, overrides):
    """Amount, currency and order reference must all be the order's before it is marked paid."""
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=4)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    pay_at_provider(sandbox_client, to_provider, CARD_LOST)  # paid, notification lost
    fresh(dbsession)
    payment = dbsession.scalar(select(Payment))
    session = pay_app.store.get_session(payment.checkout_id)
    assert session["status"] == "paid" and session["currency"] == "EUR"
    body, headers = _signed_paid(payment, session, **overrides)
    response = testapp.post("/api/payments/notify", body, headers=headers)
    assert response.json["result"] == "refunded"
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) != "paid"
    assert dbsession.scalar(select(func.count(Ticket.id))) == 0
    assert dbsession.scalar(select(Payment.status)) == "refunded"


def test_a_return_that_the_notification_overtakes_says_paid(testapp, buyer, make_event, sandbox, dbsession,
                                                            mariadb, monkeypatch):
    """The notification commits while the return is asking the provider (after the return's first read).

    The return's snapshot (REPEATABLE READ) still shows the order held and the
    payment open; its own UPDATE then finds the payment paid by the
    notification. It must say "paid", not "declined", and mint nothing more.
    """
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10)
    _page, to_provider = hold_and_pay_page(testapp, event)
    asked = SandboxPaymentGateway.get_checkout

    def notification_first(self, session_id):
        pay_app.notifier.join(5)  # delivered to olympix and committed meanwhile
        return asked(self, session_id)

    monkeypatch.setattr(SandboxPaymentGateway, "get_checkout", notification_first)
    back = pay_at_provider(sandbox_client, to_provider, CARD_DELAYED)  # notified 0.3 s later
    order_page = testapp.get(local(back.location))
    assert "Paiement reçu" in order_page, order_page.html.select_one(".flash, .messages")
    fresh(dbsession)
    assert dbsession.scalar(select(Order)).state == "paid"
    assert dbsession.scalar(select(func.count(Ticket.id))) == 2
