"""A Duo/Family pack resold whole as one listing (#13.1): one hold, one payment, N codes swap, one refund."""
from datetime import timedelta

from sqlalchemy import func, select

from olympix.models import (
    AuditEntry,
    Event,
    Order,
    Payment,
    Refund,
    ResaleListing,
    ResaleListingTicket,
    Ticket,
    TicketHistory,
)
from olympix.models.tickets import change_state
from olympix.services import resale
from olympix.services.clock import now
from tests.factories.orders import paid_order
from tests.functional.booking.journey import CARD_OK, fresh, hold_and_pay_page, local, pay_at_provider
from tests.functional.booking.test_resale import SELLER, figures_row, subject
from tests.functional.booking.test_transfer import code_of, scan_at_gate
from tests.functional.helpers import csrf_token, in_request, sign_in

BUYER_NAMES = [("Linus", "Torvalds"), ("Ken", "Thompson"), ("Barbara", "Liskov"), ("Dennis", "Ritchie")]


def pack_button(page):
    return next((f for f in page.forms.values() if f.action.endswith("@@resell-pack")), None)


def seller_tickets(dbsession, order_id=None):
    fresh(dbsession)
    query = select(Ticket).order_by(Ticket.id)
    return dbsession.scalars(query if order_id is None else query.where(Ticket.order_id == order_id)).all()


def listings(dbsession):
    """(state, seats, price, [ticket ids]) of every listing, oldest first."""
    fresh(dbsession)
    rows = []
    for listing in dbsession.scalars(select(ResaleListing).order_by(ResaleListing.id)):
        ids = dbsession.scalars(select(ResaleListingTicket.ticket_id).where(
            ResaleListingTicket.listing_id == listing.id).order_by(ResaleListingTicket.ticket_id)).all()
        rows.append((listing.state, listing.seats, listing.price_cents, ids))
    return rows


def test_whole_family_pack_resale_journey(testapp, buyer, make_event, make_user, sandbox, dbsession, app,
                                          mailbox, clock):
    sandbox_client, pay_app = sandbox
    event = make_event(capacity=10, starts_in=timedelta(days=2))
    # the seller buys a Family pack (150 € for 4 seats), paid at the provider
    _page, to_provider = hold_and_pay_page(testapp, event, offer="family")
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))
    pay_app.notifier.join(5)
    fresh(dbsession)
    reference = dbsession.scalar(select(Order.reference))
    sold = seller_tickets(dbsession)
    assert len(sold) == 4
    old_codes = [code_of(app, t.id) for t in sold]
    order_page = testapp.get(f"/orders/{reference}/")
    assert "Revendez le pack Famille en entier : 4 billets ensemble à 150,00" in order_page.text
    listed = pack_button(order_page).submit().follow()
    assert "Votre pack de 4 billets est sur la revente officielle à 150,00" in listed.text
    assert listed.text.count("Sur la revente officielle avec son pack (4 billets vendus ensemble)") == 4
    assert pack_button(listed) is None and listed.text.count("Retirer le pack de la revente") == 4  # listed once
    assert not any(f.action.endswith("@@resell") for f in listed.forms.values())  # nor seat by seat
    assert listings(dbsession) == [("open", 4, 15000, [t.id for t in sold])]
    # another person sees one pack of four seats, counted four in the seats available
    make_user("linus@example.test", first_name="Linus", last_name="Torvalds")
    sign_in(testapp, "linus@example.test")
    page = testapp.get(f"/events/{event.slug}")
    section = page.html.find(id="resale")
    assert "Un pack de 4 places, vendu en entier" in section.text and "150,00" in section.text
    assert "4 de plus sur la revente officielle" in page.text and "4 en revente" in section.text
    held = page.forms[next(k for k, f in page.forms.items() if f.action.endswith("@@buy-resale"))].submit()
    assert held.status_int == 303 and "/orders/" in held.location
    order_page = held.follow()
    assert "Revente officielle × 1 (4 places)" in order_page.text
    form = order_page.forms["form"]
    firsts, lasts = form.fields["first_name"], form.fields["last_name"]
    assert len(firsts) == 4 and firsts[0].value == "Linus"  # one name per seat, the buyer's first
    for i, (first, last) in enumerate(BUYER_NAMES):
        firsts[i].value, lasts[i].value = first, last
    to_provider = form.submit("submit")
    back = pay_at_provider(sandbox_client, to_provider, CARD_OK)
    assert "Paiement reçu" in testapp.get(local(back.location)).text
    pay_app.notifier.join(5)
    fresh(dbsession)
    buyer_order = dbsession.scalar(select(Order).where(Order.reference != reference))
    assert buyer_order.state == "paid" and buyer_order.total_cents == 15000
    minted = seller_tickets(dbsession, buyer_order.id)
    assert [(t.attendee_first_name, t.attendee_last_name) for t in minted] == BUYER_NAMES
    assert [t.replaces_id for t in minted] == [t.id for t in sold]
    assert {t.ticket_key for t in minted}.isdisjoint({t.ticket_key for t in sold})
    assert [(t.state, t.state_reason) for t in seller_tickets(dbsession, sold[0].order_id)] == [
        ("deactivated", "revendu")] * 4
    assert [row[0] for row in listings(dbsession)] == ["sold"]
    # at the gate: the buyer's four new codes admitted, the seller's four old ones refused
    clock.advance(days=2, hours=-1)
    for ticket in minted:
        assert scan_at_gate(app, dbsession, make_user, event, code_of(app, ticket.id)) == ("admit", "admitted")
    for code in old_codes:
        assert scan_at_gate(app, dbsession, make_user, event, code) == ("deny", "deactivated")
    # one refund of the pack's face value to the seller's card
    fresh(dbsession)
    refunds = dbsession.scalars(select(Refund)).all()
    assert [(r.status, r.amount_cents, r.reason) for r in refunds] == [("succeeded", 15000, "resold")]
    assert dbsession.get(Payment, refunds[0].payment_id).order_id == sold[0].order_id
    # both told by e-mail; the seller's says it was the pack
    seller_mails = mailbox.to(SELLER)
    assert any("revendu" in subject(m) for m in seller_mails) and any("remboursés" in subject(m)
                                                                        for m in seller_mails)
    resold = next(m for m in seller_mails if "revendu" in subject(m))
    assert "Votre pack de 4 billets" in mailbox.text(resold)
    assert any("confirm" in subject(m).lower() for m in mailbox.to("linus@example.test"))
    # each ticket's history and the audit log
    for ticket in sold:
        assert dbsession.scalars(select(TicketHistory.reason).where(TicketHistory.ticket_id == ticket.id)
                                 .order_by(TicketHistory.id)).all()[-2:] == ["listed for resale", "revendu"]
    assert dbsession.scalar(select(func.count(AuditEntry.seq)).where(AuditEntry.action == "ticket.resale.sold")) == 1
    # the figures: one resale of four tickets
    make_user("manager@example.test", role="manager", first_name="Sophie")
    sign_in(testapp, "manager@example.test")
    assert figures_row(testapp, clock, "resales_per_day", ("resales", "tickets", "paid_eur", "to_sellers_eur")) == (
        "1", "4", "150.00", "150.00")


def snapshot(dbsession):
    """What a refused listing must leave as it was."""
    fresh(dbsession)
    return (listings(dbsession), dbsession.scalar(select(func.count(TicketHistory.id))),
            dbsession.scalar(select(func.count(AuditEntry.seq))))


def resell_pack(testapp, ticket_id, status=303):
    response = testapp.post(f"/tickets/{ticket_id}/@@resell-pack", {"csrf_token": csrf_token(testapp)},
                            status=status)
    return response.follow() if status == 303 else response


def test_a_pack_withdrawn_and_bad_input(testapp, buyer, make_event, make_user, dbsession, app, clock):
    event = make_event(capacity=20, starts_in=timedelta(days=2))
    reference = paid_order(app, event, buyer, offer="duo", quantity=2)  # two Duo packs: 4 tickets
    first, second, third, fourth = [t.id for t in seller_tickets(dbsession)]
    order_page = testapp.get(f"/orders/{reference}/")
    assert order_page.text.count("Revendez le pack Duo en entier : 2 billets ensemble à 80,00") == 2
    # the second Duo of the line is listed whole: its two tickets, 80 €
    assert "Votre pack de 2 billets" in resell_pack(testapp, fourth).text
    assert listings(dbsession) == [("open", 2, 8000, [third, fourth])]
    before = snapshot(dbsession)
    again = resell_pack(testapp, third)
    assert "déjà en revente" in again.text and snapshot(dbsession) == before
    single = testapp.post(f"/tickets/{third}/@@resell", {"csrf_token": csrf_token(testapp)}).follow()
    assert "déjà en revente" in single.text and snapshot(dbsession) == before
    withdrawn = testapp.post(f"/tickets/{third}/@@withdraw-resale", {"csrf_token": csrf_token(testapp)}).follow()
    assert "Votre pack n’est plus en revente" in withdrawn.text and "Retirer le pack" not in withdrawn.text
    assert listings(dbsession)[0][0] == "withdrawn"
    # one ticket of the first Duo on resale alone: its pack cannot go whole
    testapp.post(f"/tickets/{first}/@@resell", {"csrf_token": csrf_token(testapp)})
    before = snapshot(dbsession)
    refused = resell_pack(testapp, second)
    assert "Un billet de ce pack est déjà en revente : retirez-le d’abord." in refused.text
    assert snapshot(dbsession) == before
    testapp.post(f"/tickets/{first}/@@withdraw-resale", {"csrf_token": csrf_token(testapp)})
    # a pack with one ticket already scanned: not listed as a pack (each other one may go alone)
    in_request(app, lambda request: change_state(request.dbsession, first, "scanned", at=now(request)))
    before = snapshot(dbsession)
    page = testapp.get(f"/orders/{reference}/")
    assert page.text.count("Revendez le pack Duo en entier") == 1  # the second Duo only
    refused = resell_pack(testapp, second)
    assert "Un billet de ce pack a déjà servi à l’entrée" in refused.text and snapshot(dbsession) == before
    # someone else's pack: not found, nothing written
    make_user("mallory@example.test", first_name="Mallory")
    sign_in(testapp, "mallory@example.test")
    assert resell_pack(testapp, third, status="*").status_int == 404 and snapshot(dbsession) == before
    # after the deadline (12 hours before): refused, nothing written
    clock.advance(days=1, hours=13)
    sign_in(testapp, SELLER)
    assert pack_button(testapp.get(f"/orders/{reference}/")) is None
    late = resell_pack(testapp, third)
    assert "revente de cette session est close" in late.text and snapshot(dbsession) == before


def test_a_pack_listing_never_outlives_any_of_its_tickets(testapp, buyer, make_event, make_user, dbsession, app):
    event = make_event(capacity=10, starts_in=timedelta(days=2))
    paid_order(app, event, buyer, offer="family")
    ids = [t.id for t in seller_tickets(dbsession)]
    resell_pack(testapp, ids[0])
    assert listings(dbsession)[0][:2] == ("open", 4)
    in_request(app, lambda request: change_state(request.dbsession, ids[2], "deactivated", at=now(request)))
    testapp.reset()
    assert testapp.get(f"/events/{event.slug}").html.find(id="resale") is None
    assert listings(dbsession)[0][0] == "closed"
    assert in_request(app, lambda request: resale.open_listings(request, request.dbsession.get(Event, event.id))) == []
    # the three still valid tickets of the Family pack may then go together, at their share of 150 €
    sign_in(testapp, SELLER)
    assert "Votre pack de 3 billets est sur la revente officielle à 112,50" in resell_pack(testapp, ids[0]).text
    assert listings(dbsession)[1] == ("open", 3, 11250, [ids[0], ids[1], ids[3]])


def test_a_transferred_seat_stays_in_its_pack(testapp, buyer, make_event, dbsession, app):
    """A seat put in another name (a new ticket of the same line) is still one of its pack's seats."""
    event = make_event(capacity=10, starts_in=timedelta(days=2))
    paid_order(app, event, buyer, offer="duo", quantity=2)
    first, second, third, fourth = [t.id for t in seller_tickets(dbsession)]
    page = testapp.get(f"/tickets/{second}/")
    form = next(f for f in page.forms.values() if "first_name" in f.fields)
    form["first_name"], form["last_name"] = "Grace", "Hopper"
    form.submit()
    renamed = seller_tickets(dbsession)[-1]
    assert renamed.replaces_id == second
    resell_pack(testapp, renamed.id)
    assert listings(dbsession) == [("open", 2, 8000, [first, renamed.id])]
    assert third not in listings(dbsession)[0][3] and fourth not in listings(dbsession)[0][3]
