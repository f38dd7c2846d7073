"""The printed tickets: the order's PDF really scans (150 dpi raster → zxing-cpp reads Code128
and QR), and the single ticket's PDF says who and when."""
import io
import subprocess
from datetime import timedelta

import zxingcpp
from PIL import Image
from pyramid.scripting import prepare
from sqlalchemy import select

from olympix.i18n import PARIS
from olympix.models import Ticket
from olympix.security import ticket_code
from olympix.services import tickets as ticket_service
from tests.factories.orders import paid_order
from tests.functional.booking.journey import fresh
from tests.functional.helpers import in_request, sign_in


def test_pdf_codes_read_back(testapp, buyer, make_event, dbsession, app, tmp_path):
    event = make_event(starts_in=timedelta(hours=3))
    reference = paid_order(app, event, buyer)
    response = testapp.get(f"/orders/{reference}/@@tickets.pdf")
    assert response.content_type == "application/pdf"
    (tmp_path / "order.pdf").write_bytes(response.body)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "order.pdf"), str(tmp_path / "page")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2  # Duo: one A4 page per ticket

    fresh(dbsession)
    tickets = dbsession.scalars(select(Ticket).order_by(Ticket.id)).all()
    env = prepare(registry=app.registry)
    try:
        with env["request"].tm:
            expected = [ticket_service.code_for(env["request"], t) for t in tickets]
    finally:
        env["closer"]()
    keyring = app.registry.settings["olympix.ticket_keys.parsed"]
    for page, code, ticket in zip(pages, expected, tickets):
        image = Image.open(io.BytesIO(page.read_bytes()))
        found = {r.format.name: r.text for r in zxingcpp.read_barcodes(image)}
        assert found.get("Code128") == code, found
        assert found.get("QRCode") == code, found
        assert ticket_code.decode(code, keyring).serial == ticket.serial
    assert {t.state for t in tickets} == {"delivered"}  # opening the PDF delivered them


def pdf_text(tmp_path, body):
    """The text of a PDF, as poppler's pdftotext reads it."""
    (tmp_path / "ticket.pdf").write_bytes(body)
    subprocess.run(["pdftotext", "-layout", str(tmp_path / "ticket.pdf"), str(tmp_path / "ticket.txt")],
                   check=True, timeout=60)
    return (tmp_path / "ticket.txt").read_text()


def test_single_ticket_pdf_through_http(testapp, buyer, make_event, make_user, dbsession, app, tmp_path):
    event = make_event(starts_in=timedelta(hours=3))
    paid_order(app, event, buyer)  # a Duo: the buyer, then the seat named by default after the buyer
    fresh(dbsession)
    first, second = dbsession.scalars(select(Ticket).order_by(Ticket.id)).all()
    in_request(app, lambda request: ticket_service.reissue(
        request, request.dbsession.get(Ticket, second.id), first_name="Grace", last_name="Hopper",
        actor_id=buyer, reason="transfer"))
    fresh(dbsession)
    grace = dbsession.scalar(select(Ticket).where(Ticket.replaces_id == second.id))

    response = testapp.get(f"/tickets/{grace.id}/@@pdf")
    assert response.content_type == "application/pdf" and response.body.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert f'filename="olympix-ticket-{grace.serial}.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(tmp_path, response.body)
    assert "Grace Hopper" in text and "Ada Lovelace" not in text  # one page, this ticket's holder
    assert str(grace.serial) in text and event.title_fr in text
    assert "(heure de Paris)" in text  # the time says its zone
    fresh(dbsession)
    assert dbsession.get(Ticket, grace.id).state == "delivered"
    assert dbsession.get(Ticket, first.id).state == "paid"  # the other ticket was not opened
    # the replaced ticket has no PDF any more; another person gets none
    assert testapp.get(f"/tickets/{second.id}/@@pdf", status=404).status_int == 404
    make_user("eve@example.test", first_name="Eve")
    sign_in(testapp, "eve@example.test")
    assert testapp.get(f"/tickets/{grace.id}/@@pdf", status=404).status_int == 404


def test_the_pdf_carries_what_a_real_ticket_carries(testapp, buyer, make_event, dbsession, app, tmp_path):
    from olympix.models import Venue
    from olympix.models.gate import Gate

    event = make_event(starts_in=timedelta(hours=30), prices=(4500, 8000, 15000))
    venue = dbsession.get(Venue, event.venue_id)
    dbsession.add_all([Gate(venue_id=venue.id, code=f"{venue.slug}-b", name="Porte B", active=True,
                            created_at=event.starts_at),
                       Gate(venue_id=venue.id, code=f"{venue.slug}-a", name="Porte A", active=True,
                            created_at=event.starts_at),
                       Gate(venue_id=venue.id, code=f"{venue.slug}-z", name="Porte Z", active=False,
                            created_at=event.starts_at)])
    dbsession.commit()
    reference = paid_order(app, event, buyer)  # a Duo, 80 €
    text = " ".join(pdf_text(tmp_path, testapp.get(f"/orders/{reference}/@@tickets.pdf").body).split())
    assert "Duo · 80,00 €" in text and "2 places côte à côte" in text  # the offer and its price
    assert reference in text  # the order reference
    opens = event.starts_at - timedelta(minutes=app.registry.settings["olympix.gate.opens_before"])
    doors = f"{opens.astimezone(PARIS):%H:%M}"
    assert f"{doors} (heure de Paris)" in text and f"Ouverture des portes à {doors}" in text
    assert "Portes Porte A, Porte B" in text and "Porte Z" not in text  # the open gates of the venue
    assert "pièce d'identité au nom du titulaire (Ada Lovelace)" in text
    assert "Code128" not in text  # no technical note
