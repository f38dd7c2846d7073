"""Refunds a buyer can see, and cancelling one's own order when the event allows it (#13.3)."""
import csv
import io
from datetime import timedelta
from email.header import decode_header, make_header

from sqlalchemy import func, select

from olympix.i18n import PARIS
from olympix.models import Event, Order, Payment, Refund, Ticket
from tests.functional.booking.journey import CARD_OK, fresh, hold_and_pay_page, local, pay_at_provider, seats_left
from tests.functional.helpers import csrf_token, sign_in

BUYER = "buyer@example.test"


def paid_duo(testapp, sandbox, event):
    sandbox_client, _ = sandbox
    _page, to_provider = hold_and_pay_page(testapp, event)
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))


def subject(message):
    return str(make_header(decode_header(message["Subject"])))


def refund_mails(mailbox):
    return [m for m in mailbox.to(BUYER) if "rembours" in subject(m)]


def test_a_staff_ticket_refund_shows_on_the_buyers_order(testapp, buyer, make_event, make_user, sandbox,
                                                         dbsession, mailbox):
    event = make_event(capacity=10)
    paid_duo(testapp, sandbox, event)
    fresh(dbsession)
    reference = dbsession.scalar(select(Order.reference))
    assert testapp.get(f"/orders/{reference}/").html.find(id="refunds") is None  # nothing refunded yet
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    staff = testapp.get(f"/backoffice/orders/{reference}/")
    next(f for f in staff.forms.values() if f.action.endswith("@@cancel-ticket")).submit().follow()
    sign_in(testapp, BUYER)
    refunds = testapp.get(f"/orders/{reference}/").html.find(id="refunds").text
    assert "40,00\u00a0€ remboursés le" in refunds and "VISA •••• 4242" in refunds
    assert "un billet a été annulé par nos équipes" in refunds
    [mail] = refund_mails(mailbox)
    assert "40,00 € remboursés" in subject(mail) and "VISA •••• 4242" in mailbox.text(mail)


def allow_self_cancel(dbsession, event, allowed=True):
    dbsession.execute(Event.__table__.update().where(Event.id == event.id).values(self_cancel=allowed))
    dbsession.commit()


def cancel_form(page):
    return next((f for f in page.forms.values() if f.action.endswith("@@cancel")), None)


def test_buyer_cancels_their_own_order_when_the_event_allows_it(testapp, buyer, make_event, sandbox, dbsession,
                                                               mailbox):
    _client, pay_app = sandbox
    event = make_event(capacity=10, starts_in=timedelta(days=5))
    paid_duo(testapp, sandbox, event)
    fresh(dbsession)
    reference = dbsession.scalar(select(Order.reference))
    page = testapp.get(f"/orders/{reference}/")
    assert cancel_form(page) is None  # off by default
    allow_self_cancel(dbsession, event)
    page = testapp.get(f"/orders/{reference}/")
    assert "jusqu’au" in page.html.find(id="self-cancel").text
    done = cancel_form(page).submit().follow()
    assert "Commande annulée" in done.text
    fresh(dbsession)
    assert dbsession.scalar(select(Order.state)) == "cancelled"
    assert sorted(dbsession.scalars(select(Ticket.state))) == ["deactivated", "deactivated"]
    assert dbsession.scalar(select(Payment.status)) == "refunded"
    assert dbsession.scalar(select(Refund.reason)) == "cancelled by the buyer"
    assert seats_left(dbsession, event) == 10
    checkout = dbsession.scalar(select(Payment.checkout_id))
    assert pay_app.store.get_session(checkout)["amount_refunded"] == 8000
    assert "80,00\u00a0€ remboursés le" in done.html.find(id="refunds").text
    assert len(refund_mails(mailbox)) == 1


def test_self_cancel_is_refused_off_after_the_deadline_and_for_others(testapp, buyer, make_event, sandbox,
                                                                      dbsession, clock, make_user):
    event = make_event(capacity=10, starts_in=timedelta(days=5))
    paid_duo(testapp, sandbox, event)
    fresh(dbsession)
    reference = dbsession.scalar(select(Order.reference))
    csrf = csrf_token(testapp)

    def unchanged():
        fresh(dbsession)
        return (dbsession.scalar(select(Order.state)), dbsession.scalar(select(func.count(Refund.id))),
                seats_left(dbsession, event))

    # not allowed by the event: a clear message, nothing changed
    page = testapp.post(f"/orders/{reference}/@@cancel", {"csrf_token": csrf}).follow()
    assert "ne peut pas être annulée" in page.text and unchanged() == ("paid", 0, 8)
    allow_self_cancel(dbsession, event)
    clock.advance(days=4, hours=1)  # less than 48 hours before the session
    sign_in(testapp, BUYER)  # a session lasts 12 hours at most
    csrf = csrf_token(testapp)
    page = testapp.get(f"/orders/{reference}/")
    assert cancel_form(page) is None
    page = testapp.post(f"/orders/{reference}/@@cancel", {"csrf_token": csrf}).follow()
    assert "ne peut pas être annulée" in page.text and unchanged() == ("paid", 0, 8)
    # someone else's order: not found, whatever the state
    make_user("other@example.test", first_name="Bob")
    sign_in(testapp, "other@example.test")
    other_csrf = csrf_token(testapp)
    assert testapp.post(f"/orders/{reference}/@@cancel", {"csrf_token": other_csrf},
                        status="*").status_int in (403, 404)
    assert unchanged() == ("paid", 0, 8)


def test_figures_count_a_partial_refund_as_a_refund(testapp, buyer, make_event, make_user, sandbox, dbsession,
                                                    clock):
    """A Duo of 85 €, one ticket refunded (42,50 €): 42,50 € of revenue is left, not 0 and not 85."""
    event = make_event(capacity=10, prices=(4250, 8500, 15000))
    paid_duo(testapp, sandbox, event)
    fresh(dbsession)
    reference = dbsession.scalar(select(Order.reference))
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    staff = testapp.get(f"/backoffice/orders/{reference}/")
    next(f for f in staff.forms.values() if f.action.endswith("@@cancel-ticket")).submit().follow()
    today = clock.now().astimezone(PARIS).date().isoformat()
    csv_text = testapp.get(f"/backoffice/figures?from={today}&to={today}&format=csv&table=sales_per_day")
    rows = list(csv.DictReader(io.StringIO(csv_text.body.decode("utf-8-sig"))))
    assert [(r["orders"], r["tickets"], r["refunds_eur"], r["revenue_eur"]) for r in rows] == [
        ("1", "2", "42.50", "42.50")]
