"""Many buyers at once on MariaDB: never oversold, never a paid order without tickets.

Each thread is a separate buyer with its own request, session and
connection (the pool hands each its own), doing what the web requests do:
hold (one transaction), then the provider's notification (another).
"""
import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from olympix.models import Event, Order, OrderLine, Payment, PaymentStatus, Ticket, User
from olympix.services import booking, payments
from olympix.services.payment_gateway import SandboxPaymentGateway, sign_notification
from tests.factories import catalogue
from tests.functional.helpers import in_request

pytestmark = pytest.mark.mariadb

BUYERS = 24
CAPACITY = 7


@pytest.fixture
def crowd(mariadb, testapp, app, make_user, dbsession, clock):
    """An event with CAPACITY seats and BUYERS people eager to buy."""
    event = catalogue.event(dbsession, clock.now() + timedelta(days=1), hours=2, slug="judo-final",
                            sport_slug="judo", venue_slug="champ-de-mars-arena", capacity=CAPACITY,
                            prices=(5000, 9000, None))
    dbsession.commit()
    users = [make_user(f"buyer{i}@example.test") for i in range(BUYERS)]
    return event.id, users


def signed_notification(app, data):
    """The provider's notification that ``data``'s session is paid: (raw body, headers)."""
    body = json.dumps({"id": f"evt_{data['id']}", "type": "checkout.session.completed", "data": data}).encode()
    secret = app.registry.settings["olympix.payment.webhook_secret"]
    return body, {SandboxPaymentGateway.signature_header: sign_notification(secret, body, int(time.time()))}


def buy(app, event_id, user_id, kind, results, barrier):
    def hold(request):
        user = request.dbsession.get(User, user_id)
        event = request.dbsession.get(Event, event_id)
        offer = next(o for o in event.offers if o.kind == kind)
        order = booking.hold(request, user, event, offer, 1)
        request.dbsession.add(Payment(order_id=order.id, provider="test", checkout_id=f"cs_{order.reference}",
                                      status=PaymentStatus.OPEN, amount_cents=order.total_cents, refunded_cents=0,
                                      created_at=order.created_at, updated_at=order.created_at))
        return order.reference

    barrier.wait()
    try:
        reference = in_request(app, hold)
    except booking.BookingRefused:
        results.append(("refused", user_id))
        return

    def notify(request):
        payment = payments.find_payment(request, f"cs_{reference}")
        return payments.notified(request, *signed_notification(app, {
            "id": payment.checkout_id, "status": "paid", "amount": payment.amount_cents, "currency": "EUR",
            "brand": "visa", "last4": "4242", "payment": f"pay_{reference}"}))

    # the notification arrives twice, concurrently: one mints, the other is a no-op
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(in_request(app, notify))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.append((sorted(outcomes), user_id))


def test_exactly_the_capacity_is_sold(app, crowd, dbsession):
    event_id, users = crowd
    results, barrier = [], threading.Barrier(len(users))
    threads = [threading.Thread(target=buy, args=(app, event_id, u, "duo" if i % 3 == 0 else "solo",
                                                  results, barrier)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == BUYERS
    dbsession.rollback()
    dbsession.expire_all()
    sold = dbsession.scalar(select(func.sum(OrderLine.seats)).join(Order).where(Order.state == "paid"))
    event = dbsession.get(Event, event_id)
    # never more than the capacity; and no seat wasted while buyers were refused
    assert sold + event.seats_left == CAPACITY and sold >= CAPACITY - 1, (sold, event.seats_left, results)
    assert all(r == ["duplicate", "paid"] for r, _u in results if r != "refused")
    # every paid order has exactly its seats as tickets; no ticket without a paid order
    for order_id, seats in dbsession.execute(
            select(Order.id, func.sum(OrderLine.seats)).join(OrderLine).where(Order.state == "paid")
            .group_by(Order.id)):
        assert dbsession.scalar(select(func.count(Ticket.id)).where(Ticket.order_id == order_id)) == seats
    orphan = dbsession.scalar(select(func.count(Ticket.id)).join(Order, Order.id == Ticket.order_id)
                              .where(Order.state != "paid"))
    assert orphan == 0
    assert dbsession.scalar(select(func.count(Ticket.id))) == sold


def test_concurrent_holds_then_expiry_returns_every_seat(app, crowd, dbsession, clock):
    event_id, users = crowd
    barrier = threading.Barrier(len(users))
    refs, refused = [], []

    def hold_only(user_id):
        def hold(request):
            event = request.dbsession.get(Event, event_id)
            return booking.hold(request, request.dbsession.get(User, user_id), event, event.offers[0], 1).reference
        barrier.wait()
        try:
            refs.append(in_request(app, hold))
        except booking.BookingRefused:
            refused.append(user_id)

    threads = [threading.Thread(target=hold_only, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(refs) == CAPACITY and len(refused) == BUYERS - CAPACITY
    dbsession.rollback()
    dbsession.expire_all()
    assert dbsession.get(Event, event_id).seats_left == 0
    clock.advance(minutes=11)
    # two sweeps racing each other give each seat back once
    counts = []
    sweeps = [threading.Thread(target=lambda: counts.append(in_request(app, booking.release_expired)))
              for _ in range(3)]
    for t in sweeps:
        t.start()
    for t in sweeps:
        t.join(60)
    assert sum(counts) == CAPACITY
    dbsession.rollback()
    dbsession.expire_all()
    assert dbsession.get(Event, event_id).seats_left == CAPACITY


def test_a_second_tab_sees_the_first_tabs_hold_committed_meanwhile(mariadb, testapp, app, make_user, dbsession, clock):
    """Two tabs of one buyer: the second's transaction read before the first committed its hold.

    Under MariaDB's default (REPEATABLE READ) the second transaction's
    snapshot would date from its first read (the session, in a real
    request): the limits must read the buyer's orders as committed, which
    the application's connections do (READ COMMITTED, models.get_engine).
    """
    event_id = catalogue.event(dbsession, clock.now() + timedelta(days=1), slug="fencing-final",
                               sport_slug="fencing", venue_slug="grand-palais", capacity=100).id
    dbsession.commit()
    buyer = make_user("two-tabs@example.test")

    def family(request):
        event = request.dbsession.get(Event, event_id)
        offer = next(o for o in event.offers if o.kind == "family")
        return booking.hold(request, request.dbsession.get(User, buyer), event, offer, 1).reference

    def second_tab(request):
        user = request.dbsession.get(User, buyer)  # a REPEATABLE READ snapshot would start here
        assert user is not None
        in_request(app, family)  # the first tab holds 4 seats and commits meanwhile
        return family(request)  # 4 more would be 8 > 6 for the event

    with pytest.raises(booking.BookingRefused) as refused:
        in_request(app, second_tab)
    assert "your orders already count the rest" in str(refused.value.message)
    dbsession.rollback()
    booked = dbsession.scalar(select(func.coalesce(func.sum(OrderLine.seats), 0))
                              .join(Order, Order.id == OrderLine.order_id).where(Order.user_id == buyer))
    assert booked == 4


def test_the_applications_connections_read_committed_rows(mariadb, app):
    """Set once per connection (models.get_engine), so no request has to remember it."""
    with app.registry["db_engine"].connect() as connection:
        assert connection.exec_driver_sql("SELECT @@tx_isolation").scalar() == "READ-COMMITTED"
