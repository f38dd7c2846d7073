"""E-tickets as PDF (weasyprint): one A4 page per ticket, one PDF per order.

Rendering costs ~100 ms a page (DESIGN.md), far more than the database, so
it never happens in the purchase transaction: only when the holder opens
the PDF. Results are cached in memory by (ticket ids, serials, states,
language): a ticket's content only changes with its state, so the cache
never serves a stale page; a deactivated ticket renders anew, marked void.

Each thread renders with one weasyprint ``FontConfiguration``, kept: by
default weasyprint makes a new one (a fontconfig configuration and a pango
font map) for every document and never gives its memory back, so a worker
grew by ~0.2 MiB a PDF without end (bench/README.md, "The PDF's memory").
"""
import threading
from collections import OrderedDict
from datetime import timedelta

from pyramid.renderers import render
from sqlalchemy import select

from ..formatting import venue_zone
from ..interfaces import IBarcodeService
from ..models.gate import Gate
from . import tickets as ticket_service

# Two pixels at 150 dpi (0.339 mm, ~13 mil): a 29-character code is
# ~120 mm of bars, read by any laser gun on paper and by zxing-cpp from a
# 150 dpi raster of the page (0.2 mm needs ~250 dpi, see the gate's barcode module).
MODULE_MM = 25.4 / 150 * 2
CACHE_SIZE = 256

_cache = OrderedDict()
_lock = threading.Lock()
_fonts = threading.local()  # pango's font map is not shared between threads


def venue_gates(request, venue_id):
    """The names of the venue's open gates ("Porte A", "Porte B"), for the ticket to say where to go in."""
    if venue_id is None:
        return []
    return list(request.dbsession.scalars(
        select(Gate.name).where(Gate.venue_id == venue_id, Gate.active.is_(True)).order_by(Gate.name)))


def ticket_facts(request, ticket):
    """What one page shows: the event, the holder, what was bought, where and when to go in, the codes.

    Times are in the venue's zone; the doors open ``olympix.gate.opens_before``
    minutes before the start, the time the gate itself admits from.
    """
    lang = request.locale_name
    event = ticket.event
    code = ticket_service.code_for(request, ticket)
    barcode = request.find_service(IBarcodeService)
    line = ticket.order_line
    opens_before = timedelta(minutes=request.registry.settings["olympix.gate.opens_before"])
    return {
        "offer": line.offer if line else None, "line": line,
        "reference": ticket.order.reference if ticket.order else "",
        "doors_open": event.gates_open_at(opens_before), "gates": venue_gates(request, event.venue_id),
        "ticket": ticket, "event": event, "title": event.title(lang),
        "venue": event.venue.name(lang) if event.venue else "",
        "address": event.venue.address if event.venue else "",
        "sport": event.sport.name(lang) if event.sport else "",
        "starts_at": event.starts_at, "zone": venue_zone(event.venue), "code": code,
        "live": ticket.state in ticket_service.LIVE_STATES,
        "code128_svg": barcode.code128_svg(code, module_mm=MODULE_MM),
        "qr_svg": barcode.qr_svg(code),
    }


def font_config():
    """This thread's weasyprint FontConfiguration, made at its first PDF and kept."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration  # heavy import, only where PDFs are made
        config = _fonts.config = FontConfiguration()
    return config


def render_pdf(request, tickets):
    """PDF bytes for ``tickets``, one page each."""
    # The serial too: it is random, so a row id SQLite hands out again after
    # a delete (tests, a reset demo) never finds the page of another ticket.
    key = (tuple((t.id, t.serial, t.state) for t in tickets), request.locale_name)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from weasyprint import HTML  # heavy import, only where PDFs are made

    pages = [ticket_facts(request, t) for t in tickets]
    html = render("olympix:templates/booking/ticket_pdf.jinja2", {"pages": pages}, request=request)
    pdf = HTML(string=html, base_url=request.application_url).write_pdf(font_config=font_config())
    with _lock:
        _cache[key] = pdf
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return pdf
