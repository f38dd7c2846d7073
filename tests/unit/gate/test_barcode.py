"""Unit tests for olympix.gate.barcode: render, then read back with zxing-cpp."""
import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from olympix.gate import barcode

CODE = "OXAY6MQBDPJKDMFC3HEAAOHPZEFJI"  # a real 29-character ticket code
SVG_NS = "{http://www.w3.org/2000/svg}"


def read(png: bytes, fmt):
    image = Image.open(io.BytesIO(png))
    return [(r.text, r.format) for r in zxingcpp.read_barcodes(image, formats=fmt)]


@pytest.mark.parametrize("dpi", [150, 300, 600])
def test_code128_png_reads_back(dpi):
    png = barcode.code128_png(CODE, dpi=dpi)
    assert png.startswith(b"\x89PNG")
    assert read(png, zxingcpp.BarcodeFormat.Code128) == [(CODE, zxingcpp.BarcodeFormat.Code128)]


def test_code128_png_print_size_and_dpi():
    image = Image.open(io.BytesIO(barcode.code128_png(CODE, dpi=300)))
    assert round(image.info["dpi"][0]) == 300
    width_mm = image.width / 300 * 25.4
    assert 60 <= width_mm <= 80


def test_qr_png_reads_back():
    png = barcode.qr_png(CODE)
    assert read(png, zxingcpp.BarcodeFormat.QRCode) == [(CODE, zxingcpp.BarcodeFormat.QRCode)]


def test_qr_png_small_scale_reads_back():
    png = barcode.qr_png(CODE, scale=3)
    assert read(png, zxingcpp.BarcodeFormat.QRCode) == [(CODE, zxingcpp.BarcodeFormat.QRCode)]


@pytest.mark.parametrize("render", [barcode.code128_svg, barcode.qr_svg])
def test_svg_is_inline_safe_xml(render):
    svg = render(CODE)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<!--" not in svg
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    assert root.get("width").endswith("mm") and root.get("height").endswith("mm")
    # and it embeds: an HTML-ish wrapper still parses
    ET.fromstring(f"<div>{svg}</div>")


def test_code128_svg_print_width():
    root = ET.fromstring(barcode.code128_svg(CODE))
    width_mm = float(root.get("width").removesuffix("mm"))
    assert 60 <= width_mm <= 85  # ~71 mm of bars + quiet zones
    bars = root.findall(f".//{SVG_NS}rect")
    assert len(bars) > 50
    assert not root.findall(f".//{SVG_NS}text")  # no human-readable line


def raster_svg_bars(svg: str, dpi: int) -> Image.Image:
    """Rasterise the SVG's rects the way a renderer would (anti-aliased):
    draw at 8x, box-downscale.  Proves the SVG geometry itself reads back."""
    root = ET.fromstring(svg)
    ss = 8
    px = dpi * ss / 25.4

    def mm(value):
        return float(value.removesuffix("mm"))

    size = (round(mm(root.get("width")) * px), round(mm(root.get("height")) * px))
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for rect in root.iter(f"{SVG_NS}rect"):
        if rect.get("x") is None:
            continue  # the white background
        x, y, w, h = (mm(rect.get(k)) for k in ("x", "y", "width", "height"))
        draw.rectangle([round(x * px), round(y * px), round((x + w) * px) - 1, round((y + h) * px)], fill=0)
    return image.resize((size[0] // ss, size[1] // ss), Image.BOX)


def test_code128_svg_rasterised_reads_back():
    image = raster_svg_bars(barcode.code128_svg(CODE), dpi=300)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [CODE]


def test_code128_svg_wider_module_reads_at_150_dpi():
    image = raster_svg_bars(barcode.code128_svg(CODE, module_mm=0.3), dpi=150)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [CODE]


def test_qr_svg_has_white_background():
    svg = barcode.qr_svg(CODE)
    assert "#fff" in svg  # light modules painted, so dark-mode pages keep a quiet zone
