"""Drawing a ticket code as Code128 (laser guns) and QR (phones, imagers).

Pure rendering: text in, SVG string or PNG bytes out.  The text is a ticket
code from :mod:`olympix.security.ticket_code` (29 characters, ``A-Z2-7``),
but any Code128-B text works.

Choices, and why:

* **No human-readable text under the bars.**  python-barcode would need a
  font file and sets the text in its own size and place; the ticket
  template prints the code itself, in its own monospace style, where a gate
  agent can type it if the bars are damaged.
* **Code128 module width 0.2 mm** (about 8 mil), the common laser-gun
  sweet spot: a 29-character code is 354 modules at most, about 71 mm of
  bars plus quiet zones.  The PNG snaps the module to whole pixels at the
  requested dpi (fractional pixels give uneven bars scanners dislike), so it
  is 60-80 mm wide at print size.  The PNG carries its dpi so PDF/print
  tools size it right.  Trade-off: a *rasterised* 0.2 mm symbol needs about
  250 dpi for zxing-cpp (1.7+ pixels per module); reading a 150 dpi raster
  takes ``module_mm=0.3`` (about 106 mm of bars).  Laser guns read the
  printed 0.2 mm symbol directly, so 0.2 mm stays the default.
* **Quiet zone of 20 modules** either side (the standard asks for 10) and
  an explicit white background in every output: scanners need light margins,
  and on a dark-mode phone screen a transparent background would lose them.
* **QR: error correction M, border 4, never Micro QR** (many phone readers
  do not read Micro QR).  The code is upper-case alphanumeric, so it fits a
  version 2 symbol (25x25).
* **SVG is inline-safe**: no XML declaration, DOCTYPE or comment, so the
  string can go straight into an HTML page or a WeasyPrint template
  (``{{ svg | safe }}``); it keeps ``xmlns`` so it is also a valid
  stand-alone ``.svg`` file.  Sizes are in mm for print; CSS can override.
"""
from __future__ import annotations

import io
import re

import barcode
import segno
from barcode.writer import ImageWriter, SVGWriter
from zope.interface import implementer

from ..interfaces import IBarcodeService

MODULE_MM = 0.2
QUIET_MODULES = 20
BAR_HEIGHT_MM = 15.0
QR_ERROR = "m"
QR_BORDER = 4
QR_SVG_MODULE_MM = 0.6  # 33 modules with border -> ~20 mm square on paper

# What python-barcode puts before <svg ...>: declaration, DOCTYPE, comments.
_SVG_PROLOGUE = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.S)


def _code128(text: str, writer):
    return barcode.get("code128", text, writer=writer)


def _code128_options(module_mm: float) -> dict:
    return {
        "module_width": module_mm,
        "module_height": BAR_HEIGHT_MM,
        "quiet_zone": QUIET_MODULES * module_mm,
        "write_text": False,
        "background": "white",
        "foreground": "black",
    }


def code128_svg(text: str, module_mm: float = MODULE_MM) -> str:
    """Inline-safe SVG Code128 of ``text``, sized in mm for print."""
    writer = SVGWriter()
    options = _code128_options(module_mm) | {"compress": True}  # no pretty-print
    svg = _code128(text, writer).render(options).decode("utf-8")
    return _SVG_PROLOGUE.sub("", svg).strip()


def code128_png(text: str, dpi: int = 300, module_mm: float = MODULE_MM) -> bytes:
    """PNG Code128 of ``text`` at ``dpi``, bars on whole pixels.

    The module is ``module_mm`` rounded to whole pixels (at least one), so
    the printed width drifts a little from the SVG's (300 dpi: 2 px = 0.17 mm).
    """
    px = max(1, round(module_mm * dpi / 25.4))
    # The writer works in mm; going px -> mm -> px can land a hair under a
    # pixel boundary, so nudge up by a tiny fraction of a pixel.
    module_mm = (px + 1e-6) * 25.4 / dpi
    writer = ImageWriter(format="PNG", mode="L", dpi=dpi)
    image = _code128(text, writer).render(_code128_options(module_mm))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def _qr(text: str) -> segno.QRCode:
    # boost_error=False: exactly level M, so the symbol is predictable.
    return segno.make(text, error=QR_ERROR, boost_error=False, micro=False)


def qr_svg(text: str, module_mm: float = QR_SVG_MODULE_MM) -> str:
    """Inline-safe SVG QR code of ``text``; each module ``module_mm`` mm."""
    out = io.BytesIO()
    _qr(text).save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False,
        scale=module_mm, unit="mm", border=QR_BORDER, dark="#000", light="#fff",
    )
    return out.getvalue().decode("utf-8")


def qr_png(text: str, scale: int = 8) -> bytes:
    """PNG QR code of ``text``, ``scale`` pixels per module (8 -> 264 px)."""
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=scale, border=QR_BORDER, dark="#000", light="#fff")
    return out.getvalue()


@implementer(IBarcodeService)
class BarcodeService:
    """The functions above as the ``IBarcodeService`` the other areas find."""

    def code128_svg(self, text, module_mm=MODULE_MM):
        return code128_svg(text, module_mm)

    def qr_svg(self, text, module_mm=QR_SVG_MODULE_MM):
        return qr_svg(text, module_mm)

    def code128_png(self, text, dpi=300, module_mm=MODULE_MM):
        return code128_png(text, dpi, module_mm)

    def qr_png(self, text, scale=8):
        return qr_png(text, scale)
