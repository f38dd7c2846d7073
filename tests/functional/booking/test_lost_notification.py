"""No money lost: a payment the provider took is completed or refunded, never forgotten (#15.1).

The buyer pays on the provider's page, its notification is lost and the
buyer never comes back. Whatever then looks at the lapsed hold ("My
orders", the order page, another buyer short of seats, the back office,
``sweep-holds``) asks the provider before giving the seats back; a payment
heard of only after its seats were sold is refunded, the buyer told by
e-mail, and a refund the provider does not take is a row retried until it
does, shown to managers.
"""
import json
import time
from email.header import decode_header, make_header

from sqlalchemy import func, select

from olympix.models import Event, Order, Payment, Refund, Ticket
from olympix.scripts.booking import sweep_holds
from olympix.services import reconciliation
from olympix.services.payment_gateway import sign_notification
from tests.functional.booking.journey import (
    CARD_LOST,
    WEBHOOK_SECRET,
    book,
    fresh,
    hold_and_pay_page,
    local,
    pay_at_provider,
    seats_left,
)
from tests.functional.helpers import in_request, olympix, sign_in


def order_state(dbsession):
    fresh(dbsession)
    return dbsession.scalar(select(Order.state)), dbsession.scalar(select(func.count(Ticket.id)))


def test_lost_notification_then_my_orders_completes_the_order(testapp, buyer, make_event, sandbox, dbsession,
                                                              clock, mailbox):
    sandbox_client, _ = sandbox
    event = make_event(capacity=4)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    pay_at_provider(sandbox_client, to_provider, CARD_LOST)  # paid; never notified, never back
    clock.advance(minutes=11)
    row = testapp.get("/orders/").html.find("tbody").find("tr")
    assert "Payée" in row.text  # asked the provider before expiring the hold
    assert order_state(dbsession) == ("paid", 1)
    assert seats_left(dbsession, event) == 3
    assert len(mailbox.to("buyer@example.test")) == 1  # the confirmation


def test_lost_notification_then_the_order_page_completes_it(testapp, buyer, make_event, sandbox, dbsession,
                                                            clock):
    sandbox_client, _ = sandbox
    event = make_event(capacity=4)
    order_page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    pay_at_provider(sandbox_client, to_provider, CARD_LOST)
    clock.advance(minutes=11)
    assert "Payée" in testapp.get(order_page.request.path).text
    assert order_state(dbsession) == ("paid", 1)


def test_another_buyer_short_of_seats_does_not_expire_a_paid_hold(testapp, buyer, make_event, sandbox,
                                                                  dbsession, clock, make_user, app):
    sandbox_client, _ = sandbox
    event = make_event(capacity=1)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    pay_at_provider(sandbox_client, to_provider, CARD_LOST)
    clock.advance(minutes=11)
    make_user("other@example.test", first_name="Bob")
    sign_in(testapp, "other@example.test")
    refused = book(testapp, event, "solo")
    assert refused.status_int == 200 and "pas assez" in refused.text
    assert order_state(dbsession) == ("held", 0)  # not expired behind the provider's back
    assert in_request(app, sweep_holds) == (1, 0)  # the sweep asks, and completes it
    assert order_state(dbsession) == ("paid", 1)
    assert seats_left(dbsession, event) == 0


def test_staff_page_asks_the_provider_before_expiring(testapp, buyer, make_event, sandbox, dbsession, clock,
                                                      make_user):
    sandbox_client, _ = sandbox
    event = make_event(capacity=4)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    pay_at_provider(sandbox_client, to_provider, CARD_LOST)
    clock.advance(minutes=11)
    reference = dbsession.scalar(select(Order.reference))
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    testapp.get(f"/backoffice/orders/{reference}/")
    assert order_state(dbsession) == ("paid", 1)


def _seats_gone_then_paid(testapp, sandbox, make_event, dbsession, clock, app):
    """The hold lapses while the buyer is on the provider's page, the seat is sold, then they pay."""
    sandbox_client, _ = sandbox
    event = make_event(capacity=1)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    clock.advance(minutes=11)
    assert in_request(app, sweep_holds) == (0, 1)  # asked: still open at the provider, so released
    assert order_state(dbsession) == ("expired", 0)
    dbsession.execute(Event.__table__.update().values(seats_left=0))  # someone else takes the seat
    dbsession.commit()
    pay_at_provider(sandbox_client, to_provider, CARD_LOST)
    fresh(dbsession)
    return dbsession.scalar(select(Payment))


def test_paid_after_the_seats_are_gone_is_refunded_by_the_reconcile_job(testapp, buyer, make_event, sandbox,
                                                                        dbsession, clock, app, mailbox):
    _client, pay_app = sandbox
    payment = _seats_gone_then_paid(testapp, sandbox, make_event, dbsession, clock, app)
    assert payment.status == "open"  # olympix has heard nothing
    done = in_request(app, lambda request: reconciliation.reconcile_open(request, max_age_hours=24))
    assert (done.asked, done.refunded) == (1, 1)
    assert order_state(dbsession) == ("cancelled", 0)
    fresh(dbsession)
    refund = dbsession.scalar(select(Refund))
    assert (refund.status, refund.amount_cents, refund.attempts) == ("succeeded", 4500, 1)
    assert dbsession.scalar(select(Payment.status)) == "refunded"
    session = pay_app.store.get_session(payment.checkout_id)
    assert session["amount_refunded"] == session["amount"] == 4500
    [mail] = mailbox.to("buyer@example.test")
    assert "remboursés" in str(make_header(decode_header(mail["Subject"])))
    body = mailbox.text(mail)
    assert "45,00\u00a0€" in body and "VISA" in body and "0341" in body
    # run again: nothing more asked about, nothing refunded twice
    again = in_request(app, lambda request: reconciliation.reconcile_open(request, max_age_hours=24))
    assert (again.asked, again.refunded) == (0, 0)
    assert pay_app.store.get_session(payment.checkout_id)["amount_refunded"] == 4500


def test_reconcile_job_is_bounded_by_age(testapp, buyer, make_event, sandbox, dbsession, clock, app):
    payment = _seats_gone_then_paid(testapp, sandbox, make_event, dbsession, clock, app)
    clock.advance(hours=30)
    done = in_request(app, lambda request: reconciliation.reconcile_open(request, max_age_hours=24))
    assert done.asked == 0
    fresh(dbsession)
    assert dbsession.get(Payment, payment.id).status == "open"


def _signed_paid(payment, session):
    data = {"id": payment.checkout_id, "status": "paid", "amount": session["amount"],
            "currency": session["currency"], "reference": session["reference"],
            "payment": session["payment_id"], "brand": "visa", "last4": "0341"}
    body = json.dumps({"id": "evt_late", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()), "data": data}).encode()
    return body, {"Content-Type": "application/json",
                  "Sandbox-Signature": sign_notification(WEBHOOK_SECRET, body, int(time.time()))}


def test_webhook_whose_refund_fails_answers_503_and_the_refund_is_retried(testapp, buyer, make_event, sandbox,
                                                                         dbsession, clock, app, mailbox,
                                                                         provider_down, make_user):
    _client, pay_app = sandbox
    payment = _seats_gone_then_paid(testapp, sandbox, make_event, dbsession, clock, app)
    session = pay_app.store.get_session(payment.checkout_id)
    body, headers = _signed_paid(payment, session)
    with provider_down():  # the refund call cannot reach the provider
        answer = testapp.post("/api/payments/notify", body, headers=headers, status=503)
        assert answer.content_type == "application/json"
        assert answer.json["error"] == "unavailable"
        assert answer.headers.get("Retry-After")
        # the provider's retry, still down: the same clean answer, no second refund row
        testapp.post("/api/payments/notify", body, headers=headers, status=503)
    fresh(dbsession)
    refund = dbsession.scalar(select(Refund))
    assert (refund.status, refund.attempts) == ("pending", 2) and refund.last_error
    assert dbsession.scalar(select(func.count(Refund.id))) == 1
    assert dbsession.scalar(select(Order.state)) == "cancelled"
    assert session["amount_refunded"] == 0
    assert mailbox.to("buyer@example.test") == []
    # managers see it waiting on the staff order page
    reference = dbsession.scalar(select(Order.reference))
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    staff = testapp.get(f"/backoffice/orders/{reference}/")
    refunds = staff.html.find(id="refunds")
    assert "45,00" in refunds.text and "en attente" in refunds.text
    # the provider is back: the job retries the refund row
    done = in_request(app, lambda request: reconciliation.reconcile_open(request, max_age_hours=24))
    assert done.refunded == 1
    fresh(dbsession)
    refund = dbsession.scalar(select(Refund))
    assert (refund.status, refund.attempts) == ("succeeded", 3)
    assert pay_app.store.get_session(payment.checkout_id)["amount_refunded"] == 4500
    assert len(mailbox.to("buyer@example.test")) == 1
    # and the provider's next retry of the notification is now answered 200
    assert testapp.post("/api/payments/notify", body, headers=headers).json["result"] == "duplicate"
    assert "effectué" in testapp.get(f"/backoffice/orders/{reference}/").html.find(id="refunds").text


def test_reconcile_payments_command(testapp, buyer, make_event, sandbox, dbsession, clock, app, ini, mailbox):
    _client, pay_app = sandbox
    payment = _seats_gone_then_paid(testapp, sandbox, make_event, dbsession, clock, app)
    settings = app.registry.settings
    with open(ini, "a") as f:
        for key in ("olympix.payment.url", "olympix.payment.api_key", "olympix.payment.webhook_secret",
                    "mail.host", "mail.port", "mail.default_sender"):
            f.write(f"{key} = {settings[key]}\n")
    result = olympix("reconcile-payments", ini, "--max-age", "24")
    assert result.returncode == 0, result.stderr
    assert "1 payment(s) asked about" in result.stdout and "1 refund(s) made" in result.stdout
    assert pay_app.store.get_session(payment.checkout_id)["amount_refunded"] == 4500
    bad = olympix("reconcile-payments", ini, "--max-age", "-1")
    assert bad.returncode != 0 and "max-age" in bad.stderr
