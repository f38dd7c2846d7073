"""The payment provider does not answer: at checkout, at the return, at a staff cancel.

Each time the person gets a clear answer and nothing is half written: the
seats stay held (or the order stays as it was), and what the provider did
meanwhile is learnt later (the notification, a check).
"""
from sqlalchemy import func, select

from olympix.models import AuditEntry, Order, OrderAttendee, Payment, Ticket
from tests.functional.booking.journey import (
    CARD_DECLINED,
    CARD_LOST,
    CARD_OK,
    book,
    fresh,
    hold_and_pay_page,
    local,
    name_attendees,
    pay_at_provider,
    seats_left,
)
from tests.functional.helpers import sign_in

PROVIDER_DOWN = "Le service de paiement ne répond pas. Vos places restent réservées"
NOTHING_CHANGED = "Le service de paiement a refusé ou n’a pas répondu ; rien n’a été modifié."


def flashes(page):
    return " ".join(f.text for f in page.html.select(".flash"))


def test_down_at_checkout_gives_the_form_back_and_keeps_the_seats(testapp, buyer, make_event, dbsession,
                                                                   sandbox, provider_down):
    event = make_event(capacity=10)
    order_page = book(testapp, event, "duo").follow()
    form = name_attendees(order_page.forms["form"])
    with provider_down():
        answer = form.submit("submit")
    assert answer.status_int == 200
    assert PROVIDER_DOWN in answer.text
    again = answer.forms["form"]  # the pay form, with the names typed
    assert [f.value for f in again.fields["first_name"]] == ["Ada", "Grace"]
    # nothing half written: no payment without a session, names as before, seats held
    assert seats_left(dbsession, event) == 8
    assert dbsession.scalar(select(Order.state)) == "held"
    assert dbsession.scalar(select(func.count(Payment.id))) == 0
    assert dbsession.scalars(select(OrderAttendee.first_name).order_by(OrderAttendee.position)).all() == ["Ada", ""]
    # the provider is back: the same form goes through
    to_provider = again.submit("submit")
    assert to_provider.status_int == 303 and "/pay/" in to_provider.location
    fresh(dbsession)
    assert dbsession.scalars(select(OrderAttendee.first_name).order_by(OrderAttendee.position)).all() == [
        "Ada", "Grace"]
    assert dbsession.scalar(select(Payment.provider)) == "sandboxpay"  # the gateway's own name


def test_down_at_the_return_then_a_check_completes_the_order(testapp, buyer, make_event, dbsession, sandbox,
                                                              provider_down):
    sandbox_client, _ = sandbox
    event = make_event(capacity=4)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    back = pay_at_provider(sandbox_client, to_provider, CARD_LOST)  # paid; the notification is lost
    with provider_down():
        page = testapp.get(local(back.location))
        assert "Nous confirmons votre paiement auprès de la banque" in flashes(page)
        check = page.html.find("a", string="Déjà payé ? Vérifier à nouveau le paiement")
        assert check is not None
        fresh(dbsession)
        assert dbsession.scalar(select(Order.state)) == "held"  # paid is only believed from the provider
        assert dbsession.scalar(select(Payment.status)) == "open"
        checked = testapp.get(local(check["href"]))
        assert "Le service de paiement ne répond pas ; il nous répondra bientôt" in flashes(checked)
    assert the_state(dbsession) == ("held", 0)
    checked = testapp.get(local(check["href"]))  # the provider answers again
    assert "Payée" in checked.text
    assert the_state(dbsession) == ("paid", 1)


def the_state(dbsession):
    fresh(dbsession)
    return dbsession.scalar(select(Order.state)), dbsession.scalar(select(func.count(Ticket.id)))


def test_down_at_the_return_of_a_declined_card(testapp, buyer, make_event, dbsession, sandbox, provider_down):
    """The signed redirect's word is enough for a failure: the buyer can retry at once."""
    sandbox_client, _ = sandbox
    event = make_event(capacity=4)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    declined = pay_at_provider(sandbox_client, to_provider, CARD_DECLINED)
    page = sandbox_client.get(local(declined.location))
    back = next(a["href"] for a in page.html.find_all("a") if "@@return" in a.get("href", ""))
    with provider_down():
        order_page = testapp.get(local(back))
    assert "Le paiement n’a pas abouti. Vos places restent réservées jusqu’à" in flashes(order_page)
    fresh(dbsession)
    assert dbsession.scalar(select(Payment.status)) == "failed"
    assert "form" in order_page.forms and seats_left(dbsession, event) == 3


def test_down_at_staff_cancel_changes_nothing(testapp, buyer, make_event, make_user, dbsession, sandbox,
                                              provider_down):
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10)
    _page, to_provider = hold_and_pay_page(testapp, event)
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))
    fresh(dbsession)
    reference, checkout_id = dbsession.execute(select(Order.reference, Payment.checkout_id).join(Payment)).one()
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    order_page = testapp.get(f"/backoffice/orders/{reference}/")
    ticket_form = next(f for f in order_page.forms.values() if f.action.endswith("@@cancel-ticket"))
    cancel_form = next(f for f in order_page.forms.values() if f.action.endswith("@@cancel"))

    def snapshot():
        fresh(dbsession)
        return (dbsession.scalar(select(Order.state)), sorted(dbsession.scalars(select(Ticket.state))),
                dbsession.execute(select(Payment.status, Payment.refunded_cents)).one(),
                dbsession.scalar(select(func.count(AuditEntry.seq))), seats_left(dbsession, event))

    before = snapshot()
    assert before[:3] == ("paid", ["paid", "paid"], ("paid", 0)) and before[4] == 8
    with provider_down():
        for form in (ticket_form, cancel_form):
            after = form.submit().follow()
            assert NOTHING_CHANGED in flashes(after)
            assert snapshot() == before
    assert pay_app.store.get_session(checkout_id)["amount_refunded"] == 0
    # the provider is back: the very same buttons work
    assert "Commande annulée" in cancel_form.submit().follow().text
    assert snapshot()[:3] == ("cancelled", ["deactivated", "deactivated"], ("refunded", 8000))
    assert pay_app.store.get_session(checkout_id)["amount_refunded"] == 8000


def test_payment_failed_after_the_hold_lapsed_says_so(testapp, buyer, make_event, dbsession, sandbox, clock):
    """Cancelled at the provider once the hold is over: no "your seats stay held" (they do not)."""
    sandbox_client, _ = sandbox
    event = make_event(capacity=4)
    _page, to_provider = hold_and_pay_page(testapp, event, offer="solo")
    clock.advance(minutes=11)
    page = sandbox_client.get(local(to_provider.location))
    back = page.forms[0].submit("action", value="cancel")
    order_page = testapp.get(local(back.location))
    assert "la réservation de vos places a pris fin" in flashes(order_page)
    assert "restent réservées" not in order_page.text
    assert "form" not in order_page.forms
    assert the_state(dbsession) == ("expired", 0)
    assert seats_left(dbsession, event) == 4
