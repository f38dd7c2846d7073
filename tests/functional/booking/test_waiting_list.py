"""The waiting list of a sold-out session (#13.2), with the test clock."""
from datetime import timedelta
from email.header import decode_header, make_header

from sqlalchemy import func, select

from olympix.models import Order, WaitingEntry
from olympix.scripts.booking import sweep_holds
from tests.factories.orders import paid_order
from tests.functional.booking.journey import CARD_OK, book, fresh, hold_and_pay_page, local, pay_at_provider, seats_left
from tests.functional.helpers import csrf_token, in_request, sign_in


def subject(message):
    return str(make_header(decode_header(message["Subject"])))


def join(testapp, event, seats):
    return testapp.post(f"/events/{event.slug}/@@wait", {"csrf_token": csrf_token(testapp), "seats": seats}).follow()


def test_sold_out_three_join_a_cancellation_offers_in_turn(testapp, buyer, make_event, make_user, sandbox,
                                                          dbsession, app, clock, mailbox):
    sandbox_client, _ = sandbox
    event = make_event(capacity=2, starts_in=timedelta(days=5))
    _page, to_provider = hold_and_pay_page(testapp, event)  # a Duo, paid at the provider: sold out
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))
    fresh(dbsession)
    reference = dbsession.scalar(select(Order.reference))
    assert seats_left(dbsession, event) == 0
    people = ["ines", "jules", "kim"]
    for name, seats in zip(people, ("2", "2", "1")):
        make_user(f"{name}@example.test", first_name=name.title())
        sign_in(testapp, f"{name}@example.test")
        page = testapp.get(f"/events/{event.slug}")
        assert "complète" in page.html.find(id="waiting-list").text
        joined = join(testapp, event, seats)
        assert f"numéro {people.index(name) + 1} sur la liste" in joined.text
    assert "numéro 3 dans la file" in testapp.get(f"/events/{event.slug}").html.find(id="waiting-list").text
    # the buyer's order is cancelled by staff: 2 seats come back and go to the first in line
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    staff = testapp.get(f"/backoffice/orders/{reference}/")
    next(f for f in staff.forms.values() if f.action.endswith("@@cancel")).submit()
    fresh(dbsession)
    states = dbsession.execute(select(WaitingEntry.state).order_by(WaitingEntry.id)).scalars().all()
    assert states == ["offered", "waiting", "waiting"]
    assert seats_left(dbsession, event) == 0  # reserved for Ines, not back on sale
    [offer] = [m for m in mailbox.to("ines@example.test") if "réservées" in subject(m)]
    assert "24" in mailbox.text(offer) or "/orders/" in mailbox.text(offer)
    sign_in(testapp, "ines@example.test")
    assert "réservées jusqu’au" in testapp.get(f"/events/{event.slug}").html.find(id="waiting-list").text
    # Ines lets the offer lapse: after 24 hours the sweep passes the seats to Jules
    clock.advance(hours=25)
    in_request(app, sweep_holds)
    fresh(dbsession)
    states = dbsession.execute(select(WaitingEntry.state).order_by(WaitingEntry.id)).scalars().all()
    assert states == ["lapsed", "offered", "waiting"]
    assert any("réservées" in subject(m) for m in mailbox.to("jules@example.test"))
    # Jules pays for them
    sign_in(testapp, "jules@example.test")
    jules_order = dbsession.scalar(select(Order).join(WaitingEntry, WaitingEntry.order_id == Order.id)
                                   .where(WaitingEntry.state == "offered"))
    order_page = testapp.get(f"/orders/{jules_order.reference}/")
    form = order_page.forms["form"]
    form.fields["first_name"][1].value, form.fields["last_name"][1].value = "Marie", "Curie"
    to_provider = form.submit("submit")
    back = pay_at_provider(sandbox_client, to_provider, CARD_OK)
    testapp.get(local(back.location))
    fresh(dbsession)
    assert dbsession.get(Order, jules_order.id).state == "paid"
    in_request(app, sweep_holds)
    fresh(dbsession)
    states = dbsession.execute(select(WaitingEntry.state).order_by(WaitingEntry.id)).scalars().all()
    assert states == ["lapsed", "used", "waiting"]
    # Kim sees their place and leaves the line
    sign_in(testapp, "kim@example.test")
    assert "numéro 1 dans la file" in testapp.get(f"/events/{event.slug}").html.find(id="waiting-list").text
    left = testapp.post(f"/events/{event.slug}/@@leave-waiting-list", {"csrf_token": csrf_token(testapp)}).follow()
    assert "quitté la liste" in left.text
    fresh(dbsession)
    assert dbsession.scalars(select(WaitingEntry.state).order_by(WaitingEntry.id)).all()[-1] == "left"


def test_bad_quantities_and_not_sold_out(testapp, buyer, make_event, dbsession, app):
    event = make_event(capacity=2, starts_in=timedelta(days=5))
    assert "pas complète" in join(testapp, event, "1").text  # seats left: book directly
    paid_order(app, event, buyer, offer="duo")  # now sold out
    for bad in ("0", "-1", "7", "abc", "", "1" * 30):
        page = join(testapp, event, bad)
        assert "Choisissez entre 1 et 6 places" in page.text, bad
    assert dbsession.scalar(select(func.count(WaitingEntry.id))) == 0
    join(testapp, event, "1")
    assert "déjà sur la liste" in join(testapp, event, "1").text
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(WaitingEntry.id))) == 1


def test_seats_of_a_lapsed_hold_go_to_the_line_before_another_buyer(testapp, buyer, make_event, make_user,
                                                                   dbsession, clock, mailbox):
    """Before the sweep runs, a buyer short of seats frees lapsed holds: those seats are the line's."""
    event = make_event(capacity=2, starts_in=timedelta(days=5))
    assert book(testapp, event, "duo").status_int == 303  # held, never paid: sold out
    make_user("ines@example.test", first_name="Ines")
    sign_in(testapp, "ines@example.test")
    assert "numéro 1 sur la liste" in join(testapp, event, "2").text
    clock.advance(minutes=30)  # the hold lapses; no sweep has run
    make_user("kim@example.test", first_name="Kim")
    sign_in(testapp, "kim@example.test")
    refused = book(testapp, event, "duo")
    assert refused.status_int == 200 and "pas assez de places" in refused.text.lower()
    fresh(dbsession)
    assert dbsession.scalars(select(WaitingEntry.state)).all() == ["offered"]
    assert seats_left(dbsession, event) == 0  # reserved for Ines
    assert dbsession.scalar(select(func.count(Order.id)).where(Order.user_id != buyer,
                                                               Order.state == "held")) == 1  # Ines's offer only
    assert any("réservées" in subject(m) for m in mailbox.to("ines@example.test"))
