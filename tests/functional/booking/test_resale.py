"""Face-value resale (#13.1): the seller lists, a buyer pays at the provider, codes swap at the gate."""
import csv
import io
from datetime import timedelta
from email.header import decode_header, make_header

from sqlalchemy import func, select

from olympix.i18n import PARIS
from olympix.models import AuditEntry, Event, Order, Payment, Refund, ResaleListing, Ticket, TicketHistory
from olympix.services import resale
from tests.factories.orders import paid_order
from tests.functional.booking.journey import CARD_OK, fresh, hold_and_pay_page, local, pay_at_provider
from tests.functional.booking.test_transfer import code_of, scan_at_gate
from tests.functional.helpers import csrf_token, in_request, sign_in

SELLER = "buyer@example.test"  # the `buyer` fixture: Ada Lovelace, who bought first


def subject(message):
    return str(make_header(decode_header(message["Subject"])))


def the_seller_ticket(dbsession):
    fresh(dbsession)
    return dbsession.scalar(select(Ticket).order_by(Ticket.id))


def resell_button(page):
    return next((f for f in page.forms.values() if f.action.endswith("@@resell")), None)


def test_whole_resale_journey(testapp, buyer, make_event, make_user, sandbox, dbsession, app, mailbox, clock):
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10, starts_in=timedelta(days=2))
    # the seller buys a Duo (80 €: 40 € a seat), paid at the provider
    _page, to_provider = hold_and_pay_page(testapp, event)
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))
    pay_app.notifier.join(5)
    fresh(dbsession)
    reference = dbsession.scalar(select(Order.reference))
    seller_ticket = the_seller_ticket(dbsession)
    seller_code = code_of(app, seller_ticket.id)
    assert "Revendez ce billet au prix payé" in testapp.get(f"/tickets/{seller_ticket.id}/").text  # the m-ticket
    order_page = testapp.get(f"/orders/{reference}/")
    listed = resell_button(order_page).submit().follow()
    assert "sur la revente officielle à 40,00" in listed.text
    assert "Retirer de la revente" in listed.text
    fresh(dbsession)
    listing = dbsession.scalar(select(ResaleListing))
    assert (listing.state, listing.price_cents, listing.ticket_id) == ("open", 4000, seller_ticket.id)
    # another person sees it on the event page and buys it
    make_user("grace@example.test", first_name="Grace", last_name="Hopper")
    sign_in(testapp, "grace@example.test")
    page = testapp.get(f"/events/{event.slug}")
    section = page.html.find(id="resale")
    assert "Revente officielle" in section.text and "40,00" in section.text
    assert "1 de plus sur la revente officielle" in page.text  # counted in the seats available
    # and in the search's "seats left" filter, once the primary seats are gone
    dbsession.execute(Event.__table__.update().where(Event.id == event.id).values(seats_left=0))
    dbsession.commit()
    assert f"/events/{event.slug}" in testapp.get("/events?seats=1").text
    # ... and only that session's: another sold-out one is not "seats left" for it
    other = make_event(capacity=10, starts_in=timedelta(days=3))
    dbsession.execute(Event.__table__.update().where(Event.id == other.id).values(seats_left=0))
    dbsession.commit()
    assert f"/events/{other.slug}" not in testapp.get("/events?seats=1").text
    dbsession.execute(Event.__table__.update().where(Event.id == event.id).values(seats_left=8))
    dbsession.commit()
    held = page.forms[next(k for k, f in page.forms.items() if f.action.endswith("@@buy-resale"))].submit()
    assert held.status_int == 303 and "/orders/" in held.location
    order_page = held.follow()
    assert "Revente officielle × 1 (1 place)" in order_page.text  # not "Duo"
    assert seats_left_now(dbsession, event) == 8  # a resale takes no seat of the event
    to_provider = order_page.forms["form"].submit("submit")
    assert "Payer 40,00" in order_page.text or to_provider.status_int == 303
    back = pay_at_provider(sandbox_client, to_provider, CARD_OK)
    done = testapp.get(local(back.location))
    assert "Paiement reçu" in done.text
    pay_app.notifier.join(5)
    fresh(dbsession)
    buyer_order = dbsession.scalar(select(Order).where(Order.reference != reference))
    assert buyer_order.state == "paid"
    new_ticket = dbsession.scalar(select(Ticket).where(Ticket.order_id == buyer_order.id))
    assert new_ticket.attendee_name == "Grace Hopper" and new_ticket.replaces_id == seller_ticket.id
    assert new_ticket.ticket_key != seller_ticket.ticket_key
    old = dbsession.get(Ticket, seller_ticket.id)
    assert (old.state, old.state_reason) == ("deactivated", "revendu")
    assert dbsession.scalar(select(ResaleListing.state)) == "sold"
    assert dbsession.scalar(select(func.count(Ticket.id))) == 3  # two of the seller's order, one minted
    # at the gate, an hour before the start: the buyer's new code is admitted, the seller's old one refused
    clock.advance(days=2, hours=-1)
    assert scan_at_gate(app, dbsession, make_user, event, code_of(app, new_ticket.id)) == ("admit", "admitted")
    assert scan_at_gate(app, dbsession, make_user, event, seller_code) == ("deny", "deactivated")
    # the seller was refunded 40 € of their 80 € payment at the provider
    fresh(dbsession)
    refund = dbsession.scalar(select(Refund))
    assert (refund.status, refund.amount_cents, refund.reason) == ("succeeded", 4000, "resold")
    seller_payment = dbsession.scalar(select(Payment).where(Payment.id == refund.payment_id))
    assert seller_payment.refunded_cents == 4000
    # both told by e-mail
    seller_mails = [subject(m) for m in mailbox.to(SELLER)]
    assert any("revendu" in s for s in seller_mails) and any("remboursés" in s for s in seller_mails)
    assert any("confirm" in subject(m).lower() for m in mailbox.to("grace@example.test"))
    # every step in the ticket's history and the audit log
    reasons = dbsession.scalars(select(TicketHistory.reason).where(TicketHistory.ticket_id == seller_ticket.id)
                                .order_by(TicketHistory.id)).all()
    assert reasons == ["minted", "opened", "listed for resale", "revendu"]
    actions = set(dbsession.scalars(select(AuditEntry.action)))
    assert {"ticket.resale.list", "ticket.resale.sold", "payment.refund"} <= actions
    # the figures show the resale apart from the primary sale
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    assert figures_row(testapp, clock, "resales_per_day", ("tickets", "paid_eur", "to_sellers_eur",
                                                           "revenue_eur")) == ("1", "40.00", "40.00", "0.00")
    assert figures_row(testapp, clock, "sales_per_day", ("orders", "tickets", "refunds_eur", "revenue_eur")) == (
        "1", "2", "0.00", "80.00")


def figures_row(testapp, clock, table, keys):
    """The totals of ``table`` over the last three days, as the CSV export gives them."""
    last = clock.now().astimezone(PARIS).date()
    first = last - timedelta(days=2)
    body = testapp.get(f"/backoffice/figures?from={first}&to={last}&format=csv&table={table}").body
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    totals = [sum(float(r[k]) for r in rows) for k in keys]
    return tuple(f"{v:.2f}" if "eur" in k else str(int(v)) for k, v in zip(keys, totals))


def seats_left_now(dbsession, event):
    fresh(dbsession)
    return dbsession.get(Event, event.id).seats_left


def test_withdraw_and_bad_input(testapp, buyer, make_event, make_user, dbsession, app, clock):
    event = make_event(capacity=10, starts_in=timedelta(days=2))
    reference = paid_order(app, event, buyer, offer="solo")
    ticket = the_seller_ticket(dbsession)
    csrf = csrf_token(testapp)

    def listings():
        fresh(dbsession)
        return [(row.state, row.ticket_id) for row in dbsession.scalars(select(ResaleListing).order_by(ResaleListing.id))]

    listed = testapp.post(f"/tickets/{ticket.id}/@@resell", {"csrf_token": csrf}).follow()
    assert listings() == [("open", ticket.id)]
    again = testapp.post(f"/tickets/{ticket.id}/@@resell", {"csrf_token": csrf}).follow()
    assert "déjà en revente" in again.text and listings() == [("open", ticket.id)]
    # the seller cannot buy their own listing
    own = testapp.post(f"/events/{event.slug}/@@buy-resale", {"csrf_token": csrf,
                                                              "listing": str(listed_id(dbsession))}).follow()
    assert "votre propre billet" in own.text
    withdrawn = testapp.post(f"/tickets/{ticket.id}/@@withdraw-resale", {"csrf_token": csrf}).follow()
    assert "n’est plus en revente" in withdrawn.text and listings() == [("withdrawn", ticket.id)]
    assert "n’est pas en revente" in testapp.post(f"/tickets/{ticket.id}/@@withdraw-resale",
                                                  {"csrf_token": csrf}).follow().text
    # a listing id that is not one, or of another event: a clear message, nothing held
    for bad in ("", "abc", "99999999", "-1", "1" * 40):
        page = testapp.post(f"/events/{event.slug}/@@buy-resale", {"csrf_token": csrf, "listing": bad}).follow()
        assert "vient d’être pris" in page.text
    assert dbsession.scalar(select(func.count(Order.id))) == 1
    # after the deadline (12 hours before): refused, nothing written
    clock.advance(days=1, hours=13)
    sign_in(testapp, SELLER)  # a session lasts 12 hours at most
    csrf = csrf_token(testapp)
    assert resell_button(testapp.get(f"/orders/{reference}/")) is None
    late = testapp.post(f"/tickets/{ticket.id}/@@resell", {"csrf_token": csrf}).follow()
    assert "revente de cette session est close" in late.text and len(listings()) == 1
    # someone else's ticket: not theirs to list
    make_user("mallory@example.test", first_name="Mallory")
    sign_in(testapp, "mallory@example.test")
    response = testapp.post(f"/tickets/{ticket.id}/@@resell", {"csrf_token": csrf_token(testapp)}, status="*")
    assert response.status_int == 404 and len(listings()) == 1  # not theirs: not found


def listed_id(dbsession):
    fresh(dbsession)
    return dbsession.scalar(select(ResaleListing.id).order_by(ResaleListing.id.desc()))


def test_a_scanned_or_cancelled_ticket_closes_its_listing(testapp, buyer, make_event, make_user, dbsession, app):
    event = make_event(capacity=10, starts_in=timedelta(hours=14))
    paid_order(app, event, buyer, offer="duo")
    first, second = [t.id for t in dbsession.scalars(select(Ticket).order_by(Ticket.id))]
    csrf = csrf_token(testapp)
    for ticket_id in (first, second):
        testapp.post(f"/tickets/{ticket_id}/@@resell", {"csrf_token": csrf})
    # a scanned ticket cannot be listed; a listed one scanned or cancelled stops being offered
    from olympix.models.tickets import change_state
    from olympix.services.clock import now

    in_request(app, lambda request: change_state(request.dbsession, first, "scanned", at=now(request)))
    in_request(app, lambda request: change_state(request.dbsession, second, "deactivated", at=now(request)))
    # a used ticket cannot be put on resale again (withdrawn first to try)
    refused = testapp.post(f"/tickets/{first}/@@resell", {"csrf_token": csrf}).follow()
    assert "déjà en revente" in refused.text or "ne peut plus être revendu" in refused.text
    testapp.reset()
    page = testapp.get(f"/events/{event.slug}")
    assert page.html.find(id="resale") is None
    fresh(dbsession)
    assert sorted(dbsession.scalars(select(ResaleListing.state))) == ["closed", "closed"]
    assert in_request(app, lambda request: resale.open_listings(request, request.dbsession.get(Event, event.id))) == []
    sign_in(testapp, SELLER)
    refused = testapp.post(f"/tickets/{first}/@@resell", {"csrf_token": csrf_token(testapp)}).follow()
    assert "ne peut plus être revendu" in refused.text
    fresh(dbsession)
    assert dbsession.scalar(select(func.count(ResaleListing.id))) == 2
