"""Resale under contention, on MariaDB: never sold twice, never valid for both seller and buyer.

Each thread is a separate person with its own request, session and
connection, doing what the web requests do (services/resale.py).
"""
import json
import threading
import time
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from olympix.models import Event, Order, Payment, Refund, ResaleListing, Ticket, User
from olympix.services import payments, resale
from olympix.services.payment_gateway import SandboxPaymentGateway, sign_notification
from tests.functional.booking.journey import CARD_OK, fresh, hold_and_pay_page, local, pay_at_provider
from tests.functional.booking.test_transfer import code_of, scan_at_gate
from tests.functional.helpers import in_request

pytestmark = pytest.mark.mariadb

BUYERS = 20


def paid_tickets(testapp, make_event, sandbox, dbsession, offer="duo", starts_in=timedelta(days=2)):
    """The `buyer` paid ``offer`` for a new event at the provider: (event, its ticket ids in order)."""
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10, starts_in=starts_in)
    _page, to_provider = hold_and_pay_page(testapp, event, offer=offer)
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))
    pay_app.notifier.join(5)
    fresh(dbsession)
    return event, dbsession.scalars(select(Ticket.id).order_by(Ticket.id)).all()


def list_by_owner(app, ticket_id, list_with=resale.list_ticket):
    """The ticket's owner lists it (``resale.list_pack``: its whole pack): the listing's id."""
    def run(request):
        ticket = request.dbsession.get(Ticket, ticket_id)
        return list_with(request, ticket, request.dbsession.get(User, ticket.owner_id)).id

    return in_request(app, run)


@pytest.fixture
def listed(mariadb, testapp, buyer, make_event, sandbox, dbsession, app, clock):
    """The `buyer` paid a Duo at the provider and put its first ticket on resale: (event, listing id)."""
    event, ticket_ids = paid_tickets(testapp, make_event, sandbox, dbsession)
    return event, list_by_owner(app, ticket_ids[0])


@pytest.fixture
def pack_listed(mariadb, testapp, buyer, make_event, sandbox, dbsession, app, clock):
    """The `buyer` paid a Family pack at the provider and listed it whole: (event, listing id, seller ticket ids)."""
    event, ticket_ids = paid_tickets(testapp, make_event, sandbox, dbsession, offer="family")
    return event, list_by_owner(app, ticket_ids[0], resale.list_pack), ticket_ids


def signed_paid(app, payment):
    data = {"id": payment.checkout_id, "status": "paid", "amount": payment.amount_cents, "currency": "EUR",
            "brand": "visa", "last4": "4242", "payment": f"pay_{payment.checkout_id}"}
    body = json.dumps({"id": f"evt_{payment.checkout_id}", "type": "checkout.session.completed",
                       "data": data}).encode()
    secret = app.registry.settings["olympix.payment.webhook_secret"]
    return body, {SandboxPaymentGateway.signature_header: sign_notification(secret, body, int(time.time()))}


def at_once(*targets):
    """Run each callable in a thread of its own, all started together; wait for them (60 s each at most)."""
    threads = [threading.Thread(target=target) for target in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def hold_listing(app, user_id, event_id, listing_id):
    """``user_id`` holds the listing, with an open payment this test makes up: the order's reference."""
    def run(request):
        order = resale.hold(request, request.dbsession.get(User, user_id), request.dbsession.get(Event, event_id),
                            listing_id)
        request.dbsession.add(Payment(order_id=order.id, provider="test", checkout_id=f"cs_{order.reference}",
                                      status="open", amount_cents=order.total_cents, refunded_cents=0,
                                      created_at=order.created_at, updated_at=order.created_at))
        return order.reference

    return in_request(app, run)


def notify_paid(app, reference):
    """The provider says the order's payment went through: what payments.notified answers."""
    def run(request):
        payment = payments.find_payment(request, f"cs_{reference}")
        return payments.notified(request, *signed_paid(app, payment))

    return in_request(app, run)


def one_of_many_wins(app, make_user, dbsession, event, listing_id, count, prefix):
    """``count`` new people hold the listing at the same moment: exactly one gets it, and its payment
    notification, delivered twice at once, counts once. The winner's order, paid."""
    event_id = event.id  # read here: the row belongs to this thread's session and connection
    users = [make_user(f"{prefix}{i}@example.test", first_name=f"Rival{i}") for i in range(count)]
    barrier = threading.Barrier(count)
    won, refused = [], []

    def try_to_buy(user_id):
        barrier.wait(30)
        try:
            won.append(hold_listing(app, user_id, event_id, listing_id))
        except resale.ResaleRefused as refusal:
            refused.append(refusal.message)

    at_once(*(partial(try_to_buy, user_id) for user_id in users))
    assert len(won) == 1 and len(refused) == count - 1, (won, refused)
    assert all(message == resale.GONE for message in refused)
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(Order.id))) == 2  # the seller's and the winner's, no one else's
    assert notified_twice_at_once(app, won[0]) == ["duplicate", "paid"]
    fresh(dbsession)
    winner = dbsession.scalar(select(Order).where(Order.reference == won[0]))
    assert winner.state == "paid"
    return winner


def notified_twice_at_once(app, reference):
    """The payment notification delivered twice at the same moment: the two outcomes, sorted."""
    outcomes = []
    at_once(*[lambda: outcomes.append(notify_paid(app, reference))] * 2)
    return sorted(outcomes)


def sale_and_scan_at_once(app, dbsession, make_user, clock, event, listing_id, code):
    """A rival holds the listing; once the gates open, its payment notification and a gate scan of ``code``
    come at the same moment: ({"sale": …, "scan": …}, the rival's order reference, its tickets)."""
    rival = make_user("rival@example.test", first_name="Rival")
    reference = hold_listing(app, rival, event.id, listing_id)
    clock.advance(days=2, hours=-1)  # the gates are open
    barrier = threading.Barrier(2)
    results = {}

    def pay():
        barrier.wait(30)
        results["sale"] = notify_paid(app, reference)

    def scan():
        barrier.wait(30)
        results["scan"] = scan_at_gate(app, dbsession, make_user, event, code)

    at_once(pay, scan)
    fresh(dbsession)
    buyer_tickets = dbsession.scalar(select(func.count(Ticket.id)).join(Order, Order.id == Ticket.order_id)
                                     .where(Order.reference == reference))
    return results, reference, buyer_tickets


def test_twenty_buyers_at_one_listing_exactly_one_gets_it(app, listed, make_user, dbsession):
    event, listing_id = listed
    winner = one_of_many_wins(app, make_user, dbsession, event, listing_id, BUYERS, "rival")
    # one ticket minted, one refund (of the notification taken twice)
    assert dbsession.scalar(select(func.count(Ticket.id)).where(Ticket.order_id == winner.id)) == 1
    assert dbsession.scalar(select(func.count(Ticket.id))) == 3
    assert dbsession.scalar(select(func.count(Refund.id))) == 1
    assert dbsession.scalar(select(ResaleListing.state)) == "sold"


def test_a_sale_and_a_gate_scan_of_the_sellers_ticket_at_once(app, listed, make_user, dbsession, clock):
    """Whoever commits first, the seat is never both admitted at the gate and sold to the buyer."""
    event, listing_id = listed
    fresh(dbsession)
    seller_code = code_of(app, dbsession.get(ResaleListing, listing_id).ticket_id)
    results, reference, buyer_tickets = sale_and_scan_at_once(app, dbsession, make_user, clock, event, listing_id,
                                                              seller_code)
    admitted = results["scan"] == ("admit", "admitted")
    sold = results["sale"] == "paid"
    assert admitted != sold, results  # exactly one of them won
    if sold:
        assert buyer_tickets == 1 and results["scan"] == ("deny", "deactivated")
    else:
        # the buyer's money goes back (this test's fake session is unknown to the sandbox: pending)
        assert buyer_tickets == 0 and results["sale"] in ("refunded", "refund pending")
        assert dbsession.scalar(select(func.count(Refund.id))) == 1
        assert dbsession.scalar(select(Order.state).where(Order.reference == reference)) == "cancelled"


def test_a_listing_and_a_gate_scan_at_once_never_both_count(mariadb, testapp, buyer, make_event, sandbox, dbsession,
                                                            app, clock, make_user):
    """The scan commits first: the listing is refused. The listing first: the scan still admits the holder
    (a listed ticket works until sold) and the listing is closed, never offered, never sold."""
    event, ticket_ids = paid_tickets(testapp, make_event, sandbox, dbsession, starts_in=timedelta(hours=14))
    code = code_of(app, ticket_ids[0])
    clock.advance(hours=12)  # the gates are open; resale closes in two hours
    barrier = threading.Barrier(2)
    results = {}

    def list_it():
        barrier.wait(30)
        try:
            results["listing"] = list_by_owner(app, ticket_ids[0])
        except resale.ResaleRefused as refusal:
            results["listing"] = refusal.message

    def scan():
        barrier.wait(30)
        results["scan"] = scan_at_gate(app, dbsession, make_user, event, code)

    at_once(list_it, scan)
    assert results["scan"] == ("admit", "admitted")
    offered = in_request(app, lambda request: resale.open_listings(request, request.dbsession.get(Event, event.id)))
    assert offered == []  # whichever came first, nothing of a used ticket is on sale
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(ResaleListing.id)).where(ResaleListing.state == "open")) == 0


PACK_BUYERS = 10


def test_ten_buyers_at_one_pack_listing_exactly_one_gets_it_whole(app, pack_listed, make_user, dbsession):
    event, listing_id, seller_ids = pack_listed
    winner = one_of_many_wins(app, make_user, dbsession, event, listing_id, PACK_BUYERS, "packrival")
    # four tickets minted, one refund (of the notification taken twice)
    assert winner.total_cents == 15000
    minted = dbsession.scalars(select(Ticket).where(Ticket.order_id == winner.id).order_by(Ticket.id)).all()
    assert [t.replaces_id for t in minted] == seller_ids
    assert [dbsession.get(Ticket, i).state_reason for i in seller_ids] == ["revendu"] * 4
    assert dbsession.scalar(select(func.count(Ticket.id))) == 8
    assert [(r.amount_cents, r.reason) for r in dbsession.scalars(select(Refund))] == [(15000, "resold")]
    assert dbsession.scalar(select(ResaleListing.state)) == "sold"


def test_a_pack_sale_and_a_scan_of_one_of_its_seats_at_once(app, pack_listed, make_user, dbsession, clock):
    """The pack is sold whole (the scanned seat refused) or not at all (the buyer refunded): never in part."""
    event, listing_id, seller_ids = pack_listed
    results, _reference, buyer_tickets = sale_and_scan_at_once(app, dbsession, make_user, clock, event, listing_id,
                                                               code_of(app, seller_ids[2]))
    states = [dbsession.get(Ticket, i).state for i in seller_ids]
    assert (results["scan"] == ("admit", "admitted")) != (results["sale"] == "paid"), results
    if results["sale"] == "paid":
        assert buyer_tickets == 4 and states == ["deactivated"] * 4
    else:
        assert buyer_tickets == 0 and states[2] == "scanned"
        assert {states[0], states[1], states[3]} <= {"paid", "delivered"}  # the others still the seller's
        assert results["sale"] in ("refunded", "refund pending")
