"""The printed ticket really scans: PDF → 150 dpi raster → zxing-cpp reads Code128 and QR."""
import io
import subprocess
from datetime import timedelta

import zxingcpp
from PIL import Image
from pyramid.scripting import prepare
from sqlalchemy import select

from olympix.models import Ticket
from olympix.security import ticket_code
from olympix.services import tickets as ticket_service
from tests.functional.booking.test_rules import fresh, paid_order


def test_pdf_codes_read_back(testapp, buyer, make_event, dbsession, app, tmp_path):
    event = make_event(starts_in=timedelta(hours=3))
    reference = paid_order(app, dbsession, event, buyer)
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
