"""Draw the per-sport banner images (olympix/static/img/sports/<slug>.svg).

Original drawings: a 640x400 banner with a coloured gradient per sport and a
simple white pictogram of the sport (no text, no rings, no official
pictograms). Run from the repository root::

    python tools/make_sport_images.py

The SVG files are committed; this script only regenerates them.
"""

from __future__ import annotations

import math
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "olympix" / "static" / "img" / "sports"

W = "#fff"


# --- small drawing helpers -------------------------------------------------


def _pts(points) -> str:
    return " ".join(f"{x:g} {y:g}" for x, y in points)


def line(*points, w: float = 16, op: float | None = None) -> str:
    """An open polyline with round caps/joins (stroke white)."""
    d = "M" + _pts(points[:1]) + " L" + _pts(points[1:])
    o = f' stroke-opacity="{op}"' if op is not None else ""
    return f'<path d="{d}" stroke-width="{w:g}"{o}/>'


def path(d: str, w: float = 16, fill: str | None = None, op: float | None = None) -> str:
    f = f' fill="{fill}"' if fill else ""
    o = f' opacity="{op}"' if op is not None else ""
    return f'<path d="{d}" stroke-width="{w:g}"{f}{o}/>'


def circle(cx, cy, r, fill: bool = False, w: float = 14, color: str | None = None, op=None) -> str:
    o = f' opacity="{op}"' if op is not None else ""
    if fill:
        return f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{color or W}" stroke="none"{o}/>'
    return f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" stroke-width="{w:g}"{o}/>'


def head(cx, cy, r=19) -> str:
    return circle(cx, cy, r, fill=True)


def waves(y, x0=110, x1=530, amp=12, period=70, w=10, op=None) -> str:
    d = f"M{x0} {y}"
    x = x0
    up = True
    while x < x1:
        d += f" q{period / 4:g} {-amp if up else amp} {period / 2:g} 0"
        x += period / 2
        up = not up
    return path(d, w=w, op=op)


def wheel(cx, cy, r, spokes=6, w=10) -> str:
    parts = [circle(cx, cy, r, w=w), circle(cx, cy, 6, fill=True)]
    for i in range(spokes):
        a = math.pi * i / spokes
        dx, dy = r * math.cos(a), r * math.sin(a)
        parts.append(line((cx - dx, cy - dy), (cx + dx, cy + dy), w=3, op=0.7))
    return "".join(parts)


def running_figure(dx=0, dy=0) -> str:
    def p(x, y):
        return (x + dx, y + dy)

    return (
        head(*p(338, 108))
        + line(p(325, 138), p(303, 212))
        + line(p(280, 160), p(320, 148), p(352, 176), p(382, 152))
        + line(p(303, 212), p(348, 240), p(338, 298))
        + line(p(303, 212), p(272, 256), p(228, 262))
    )


def ball_lines(cx, cy, r, dark: str) -> str:
    """A white football with a dark centre pentagon."""
    pent = []
    spokes = []
    for i in range(5):
        a = -math.pi / 2 + i * 2 * math.pi / 5
        pent.append((cx + 0.38 * r * math.cos(a), cy + 0.38 * r * math.sin(a)))
        spokes.append(
            f'<path d="M{cx + 0.38 * r * math.cos(a):.0f} {cy + 0.38 * r * math.sin(a):.0f} '
            f'L{cx + 0.97 * r * math.cos(a):.0f} {cy + 0.97 * r * math.sin(a):.0f}" '
            f'stroke="{dark}" stroke-width="8"/>'
        )
    pts = " ".join(f"{x:.0f},{y:.0f}" for x, y in pent)
    return (
        circle(cx, cy, r, fill=True)
        + "".join(spokes)
        + f'<polygon points="{pts}" fill="{dark}" stroke="{dark}" stroke-width="6"/>'
    )


# --- the pictograms --------------------------------------------------------
# Each function takes the sport's dark colour (for details drawn on white)
# and returns SVG elements drawn inside a white, round-capped stroke group.


def athletics(dark):
    return (
        running_figure()
        + line((130, 322), (510, 322), w=6, op=0.5)
        + line((110, 348), (530, 348), w=6, op=0.5)
    )


def swimming(dark):
    return (
        head(292, 214, 21)
        + path("M318 228 Q362 132 426 206", w=16)
        + line((268, 236), (200, 244), w=16)
        + waves(250, x0=120, x1=520)
        + waves(292, x0=150, x1=500, op=0.6)
    )


def diving(dark):
    return (
        f'<rect x="96" y="86" width="170" height="14" rx="7" fill="{W}" stroke="none"/>'
        + line((246, 100), (246, 370), w=8, op=0.5)
        + line((318, 84), (350, 150))
        + line((350, 150), (386, 214))
        + head(404, 244, 20)
        + line((380, 206), (418, 290), w=12)
        + line((392, 206), (430, 284), w=12)
        + waves(334, x0=330, x1=560)
        + waves(364, x0=360, x1=540, op=0.6)
    )


def water_polo(dark):
    return (
        head(300, 212, 21)
        + line((316, 222), (350, 176), (374, 146))
        + circle(392, 112, 32, fill=True)
        + path("M364 104 Q392 122 420 104", w=5, fill="none").replace("/>", f' stroke="{dark}"/>')
        + path("M392 80 L392 144", w=5).replace("/>", f' stroke="{dark}"/>')
        + waves(244, x0=150, x1=500)
        + waves(286, x0=180, x1=470, op=0.6)
    )


def artistic_gymnastics(dark):
    return (
        head(320, 104)
        + line((320, 128), (320, 198))
        + line((272, 88), (320, 142), (368, 88))
        + line((220, 226), (320, 198), (420, 226))
        + f'<rect x="150" y="282" width="340" height="16" rx="8" fill="{W}" stroke="none"/>'
        + line((200, 298), (190, 350), w=10)
        + line((440, 298), (450, 350), w=10)
    )


def fencing(dark):
    return (
        head(244, 140, 21)
        + line((252, 166), (282, 230))
        + line((258, 178), (218, 160), (208, 124))
        + line((262, 180), (330, 182))
        + line((330, 182), (480, 160), w=6)
        + line((282, 230), (344, 248), (356, 304))
        + line((282, 230), (224, 270), (178, 302))
        + line((120, 320), (520, 320), w=6, op=0.5)
    )


def judo(dark):
    return (
        path("M110 150 Q320 214 530 150", w=34)
        + path("M110 150 Q320 214 530 150", w=4, op=0.35).replace("/>", f' stroke="{dark}"/>')
        + '<rect x="286" y="158" width="68" height="56" rx="10" transform="rotate(8 320 186)" fill="#fff" stroke="none"/>'
        + path("M306 206 Q290 260 252 318", w=28)
        + path("M336 206 Q356 262 398 312", w=28)
    )


def rugby_sevens(dark):
    stitches = "".join(
        line((x - 12, 200 + (x - 320) * -0.577 - 12), (x + 12, 200 + (x - 320) * -0.577 + 12), w=6)
        for x in (280, 306, 332, 358)
    )
    return (
        '<g transform="rotate(-30 320 200)">'
        '<ellipse cx="320" cy="200" rx="150" ry="88" stroke-width="14"/>'
        '<path d="M190 200 Q320 170 450 200" stroke-width="6" stroke-opacity="0.7"/>'
        "</g>"
        + line((272, 226), (368, 172), w=8)
        + stitches
    )


def tennis(dark):
    return (
        '<g transform="rotate(-35 280 170)">'
        '<ellipse cx="280" cy="170" rx="72" ry="96" stroke-width="14"/>'
        '<path d="M244 96 V244 M280 81 V259 M316 96 V244 M222 130 H338 M215 170 H345 M222 210 H338" '
        'stroke-width="4" stroke-opacity="0.8"/>'
        '<path d="M280 266 V380" stroke-width="24"/>'
        "</g>"
        + circle(452, 118, 28, fill=True)
        + f'<path d="M432 98 Q452 118 432 138 M472 98 Q452 118 472 138" stroke="{dark}" stroke-width="5"/>'
    )


def boxing(dark):
    return (
        '<path d="M262 160 Q262 96 330 96 L360 96 Q424 96 424 166 L424 226 Q424 262 388 262 '
        'L300 262 Q262 262 262 226 Z" fill="#fff" stroke="none"/>'
        + path("M262 186 Q222 186 222 218 Q222 250 262 246", w=22)
        + f'<rect x="290" y="272" width="118" height="52" rx="10" fill="{W}" stroke="none"/>'
        + f'<path d="M300 140 Q340 126 390 140" stroke="{dark}" stroke-width="5" stroke-opacity="0.5"/>'
    )


def badminton(dark):
    return (
        circle(320, 298, 34, fill=True)
        + path("M292 280 L238 104 Q320 84 402 104 L348 280", w=12)
        + line((308, 280), (286, 98), w=5)
        + line((320, 280), (320, 92), w=5)
        + line((332, 280), (354, 98), w=5)
        + path("M262 196 Q320 184 378 196", w=8)
        + path("M276 240 Q320 232 364 240", w=6)
    )


def table_tennis(dark):
    return (
        '<g transform="rotate(30 290 190)">'
        '<circle cx="290" cy="170" r="86" fill="#fff" stroke="none"/>'
        '<rect x="274" y="250" width="32" height="92" rx="14" fill="#fff" stroke="none"/>'
        "</g>"
        + circle(450, 124, 20, fill=True)
        + line((130, 330), (510, 330), w=8, op=0.6)
        + line((320, 300), (320, 330), w=6, op=0.6)
    )


def basketball(dark):
    return (
        circle(320, 200, 112)
        + line((320, 88), (320, 312), w=10)
        + line((208, 200), (432, 200), w=10)
        + path("M242 120 Q296 200 242 280", w=10)
        + path("M398 120 Q344 200 398 280", w=10)
    )


def handball(dark):
    return (
        head(296, 124)
        + line((298, 148), (288, 222))
        + line((298, 162), (346, 132), (358, 92))
        + circle(366, 64, 24, fill=True)
        + line((296, 168), (248, 190))
        + line((288, 222), (330, 258), (316, 310))
        + line((288, 222), (254, 264), (266, 316))
        + path("M440 320 V168 H568 V320", w=10)
        + path("M472 168 V320 M504 168 V320 M536 168 V320 M440 210 H568 M440 252 H568 M440 294 H568", w=3, op=0.5)
    )


def _volleyball(cx, cy, r, w=12):
    s = r / 110
    return (
        circle(cx, cy, r, w=w)
        + path(f"M{cx} {cy} Q{cx + 10 * s} {cy - 60 * s} {cx - 34 * s} {cy - 104 * s}", w=w * 0.75)
        + path(f"M{cx} {cy} Q{cx + 60 * s} {cy + 14 * s} {cx + 106 * s} {cy - 28 * s}", w=w * 0.75)
        + path(f"M{cx} {cy} Q{cx - 46 * s} {cy + 40 * s} {cx - 52 * s} {cy + 96 * s}", w=w * 0.75)
        + path(f"M{cx - 70 * s} {cy - 84 * s} Q{cx - 64 * s} {cy - 10 * s} {cx - 108 * s} {cy + 20 * s}", w=w * 0.6)
        + path(f"M{cx + 40 * s} {cy + 102 * s} Q{cx + 54 * s} {cy + 42 * s} {cx + 100 * s} {cy + 46 * s}", w=w * 0.6)
    )


def volleyball(dark):
    return _volleyball(320, 200, 110) + line((120, 342), (520, 342), w=6, op=0.5)


def beach_volleyball(dark):
    rays = "".join(
        line(
            (500 + 54 * math.cos(a), 96 + 54 * math.sin(a)),
            (500 + 74 * math.cos(a), 96 + 74 * math.sin(a)),
            w=8,
        )
        for a in (i * math.pi / 4 for i in range(8))
    )
    return (
        circle(500, 96, 38, fill=True)
        + rays
        + _volleyball(290, 196, 78, w=11)
        + '<path d="M0 330 Q160 290 320 320 T640 310 V400 H0 Z" fill="#fff" stroke="none" opacity="0.35"/>'
    )


def football(dark):
    return ball_lines(320, 196, 112, dark)


def hockey(dark):
    return (
        path("M390 70 L306 286 Q292 322 256 316 L206 306", w=20)
        + path("M250 70 L334 286 Q348 322 384 316 L434 306", w=20, op=0.45)
        + circle(182, 318, 18, fill=True)
    )


def _bike(dark):
    return (
        wheel(210, 264, 72)
        + wheel(430, 264, 72)
        + line((210, 264), (282, 184), (404, 184), (430, 264), w=12)
        + line((282, 184), (322, 264), (404, 184), w=12)
        + line((210, 264), (322, 264), w=12)
    )


def cycling_track(dark):
    return (
        _bike(dark)
        + head(396, 96)
        + line((380, 116), (300, 150))
        + line((376, 122), (408, 172))
        + line((300, 150), (340, 214), (322, 264))
        + line((80, 370), (560, 350), w=6, op=0.5)
    )


def cycling_bmx_racing(dark):
    return (
        '<path d="M0 360 Q180 360 260 300 Q320 254 380 300 Q460 360 640 360 V400 H0 Z" '
        'fill="#fff" stroke="none" opacity="0.35"/>'
        '<g transform="translate(96 -70) rotate(-16 320 220) scale(0.8)">'
        + _bike(dark)
        + head(384, 104)
        + line((372, 124), (312, 160))
        + line((370, 130), (404, 176))
        + line((312, 160), (346, 214), (322, 264))
        + "</g>"
    )


def skateboarding(dark):
    return (
        head(320, 90)
        + line((320, 112), (314, 186))
        + line((262, 152), (320, 130), (382, 118))
        + line((314, 186), (270, 216), (260, 254))
        + line((314, 186), (360, 214), (384, 254))
        + path("M168 250 Q178 274 208 274 L432 274 Q462 274 472 250", w=16)
        + circle(242, 302, 18, fill=True)
        + circle(398, 302, 18, fill=True)
    )


def breaking(dark):
    return (
        line((300, 322), (300, 262))
        + head(272, 244)
        + line((300, 262), (352, 182))
        + line((300, 262), (252, 214), w=14)
        + line((352, 182), (326, 98))
        + line((352, 182), (432, 130))
        + line((130, 330), (510, 330), w=6, op=0.5)
        + path("M206 120 Q240 80 284 84", w=6, op=0.5)
        + path("M450 200 Q490 228 488 272", w=6, op=0.5)
    )


def rowing(dark):
    return (
        path("M110 258 Q320 300 530 258", w=14)
        + head(296, 152)
        + line((302, 176), (344, 240))
        + line((304, 190), (262, 196))
        + line((344, 240), (384, 214), (396, 252))
        + line((230, 160), (420, 330), w=9)
        + '<ellipse cx="430" cy="338" rx="26" ry="12" transform="rotate(42 430 338)" fill="#fff" stroke="none"/>'
        + waves(330, x0=120, x1=360, op=0.6)
    )


def canoe_slalom(dark):
    return (
        line((150, 60), (490, 60), w=4, op=0.6)
        + line((190, 60), (190, 190), w=10)
        + line((450, 60), (450, 190), w=10)
        + path("M170 272 Q320 312 470 272 Q320 248 170 272 Z", w=8, fill="#fff")
        + head(320, 186)
        + line((320, 208), (320, 262))
        + line((240, 300), (400, 184), w=8)
        + '<ellipse cx="234" cy="306" rx="24" ry="10" transform="rotate(-36 234 306)" fill="#fff" stroke="none"/>'
        + '<ellipse cx="406" cy="178" rx="24" ry="10" transform="rotate(-36 406 178)" fill="#fff" stroke="none"/>'
        + waves(336, x0=150, x1=500, op=0.6)
    )


def sailing(dark):
    return (
        '<path d="M318 60 L318 270 L200 270 Z" fill="#fff" stroke="none"/>'
        '<path d="M334 90 L334 270 L430 270 Z" fill="#fff" stroke="none" opacity="0.8"/>'
        '<path d="M180 286 L460 286 L424 322 L214 322 Z" fill="#fff" stroke="none"/>'
        + waves(346, x0=120, x1=520)
    )


def shooting(dark):
    return (
        circle(320, 200, 104, w=10)
        + circle(320, 200, 56, w=8)
        + circle(320, 200, 10, fill=True)
        + line((320, 70), (320, 150), w=8)
        + line((320, 250), (320, 330), w=8)
        + line((190, 200), (270, 200), w=8)
        + line((370, 200), (450, 200), w=8)
    )


def archery(dark):
    return (
        path("M250 74 Q404 200 250 326", w=14)
        + line((250, 74), (250, 326), w=4)
        + line((190, 200), (470, 200), w=8)
        + '<path d="M470 184 L506 200 L470 216 Z" fill="#fff" stroke="#fff" stroke-width="4"/>'
        + line((192, 200), (170, 180), w=6)
        + line((192, 200), (170, 220), w=6)
        + line((212, 200), (190, 180), w=6)
        + line((212, 200), (190, 220), w=6)
    )


def equestrian(dark):
    holes = "".join(
        circle(x, y, 6, fill=True, color=dark)
        for x, y in ((238, 150), (244, 206), (262, 256), (402, 150), (396, 206), (378, 256))
    )
    return (
        '<path d="M240 104 Q222 316 320 316 Q418 316 400 104" stroke-width="46"/>'
        + holes
        + line((120, 350), (520, 350), w=6, op=0.5)
    )


def golf(dark):
    return (
        '<ellipse cx="330" cy="318" rx="200" ry="36" fill="#fff" stroke="none" opacity="0.35"/>'
        + f'<ellipse cx="360" cy="312" rx="26" ry="8" fill="{dark}" stroke="none"/>'
        + line((360, 310), (360, 76), w=8)
        + '<path d="M364 76 L458 104 L364 132 Z" fill="#fff" stroke="#fff" stroke-width="4"/>'
        + circle(236, 306, 18, fill=True)
    )


def sport_climbing(dark):
    holds = "".join(
        f'<ellipse cx="{x}" cy="{y}" rx="16" ry="11" fill="#fff" stroke="none" opacity="{op}"/>'
        for x, y, op in (
            (386, 70, 1), (262, 104, 1), (356, 316, 1), (292, 328, 1),
            (190, 210, 0.4), (470, 180, 0.4), (440, 290, 0.4), (200, 320, 0.4), (470, 60, 0.4),
        )
    )
    return (
        holds
        + head(332, 128)
        + line((326, 150), (316, 226))
        + line((326, 160), (370, 122), (382, 80))
        + line((326, 166), (280, 146), (264, 112))
        + line((316, 226), (362, 262), (354, 306))
        + line((316, 226), (282, 270), (292, 318))
    )


def triathlon(dark):
    return (
        waves(180, x0=70, x1=190)
        + waves(214, x0=80, x1=180, op=0.6)
        + wheel(300, 200, 62, w=10)
        + '<g transform="translate(470 76) scale(0.62)">'
        + running_figure(dx=-300, dy=0)
        + "</g>"
        + line((110, 320), (530, 320), w=6, op=0.5)
    )


def taekwondo(dark):
    return (
        head(246, 118)
        + line((252, 142), (274, 222))
        + line((256, 160), (224, 190), (222, 158), w=14)
        + line((258, 156), (296, 176), (300, 146), w=14)
        + line((274, 222), (262, 314))
        + line((274, 222), (370, 172), (452, 118))
        + line((256, 200), (290, 192), w=8, op=0.7)
        + line((130, 322), (510, 322), w=6, op=0.5)
    )


def wrestling(dark):
    def fig(sign):
        def p(x, y):
            return (320 + sign * (x - 320), y)

        return (
            head(*p(262, 136))
            + line(p(272, 160), p(232, 236))
            + line(p(276, 168), p(340, 160))
            + line(p(268, 178), p(318, 196), w=14)
            + line(p(232, 236), p(196, 306))
            + line(p(232, 236), p(256, 306))
        )

    return (
        '<ellipse cx="320" cy="310" rx="220" ry="34" stroke-width="6" stroke-opacity="0.5"/>'
        + fig(1)
        + fig(-1)
    )


def weightlifting(dark):
    plates = (
        '<rect x="162" y="50" width="26" height="92" rx="6" fill="#fff" stroke="none"/>'
        '<rect x="192" y="64" width="16" height="64" rx="5" fill="#fff" stroke="none"/>'
        '<rect x="452" y="50" width="26" height="92" rx="6" fill="#fff" stroke="none"/>'
        '<rect x="432" y="64" width="16" height="64" rx="5" fill="#fff" stroke="none"/>'
    )
    return (
        line((140, 96), (500, 96), w=10)
        + plates
        + head(320, 146)
        + line((320, 172), (320, 246))
        + line((256, 96), (262, 140), (306, 178), (334, 178), (378, 140), (384, 96))
        + line((236, 326), (272, 290), (320, 246), (368, 290), (404, 326))
        + line((130, 338), (510, 338), w=6, op=0.5)
    )


# slug -> (gradient start, gradient end, drawing)
SPORTS = {
    "athletics": ("#e4572e", "#a5251b", athletics),
    "swimming": ("#1e88e5", "#0b3d91", swimming),
    "diving": ("#26a6d1", "#0d4f8b", diving),
    "water-polo": ("#00acc1", "#005f73", water_polo),
    "artistic-gymnastics": ("#ab47bc", "#5e1f78", artistic_gymnastics),
    "fencing": ("#546e7a", "#1f2d3d", fencing),
    "judo": ("#3949ab", "#1a1f5e", judo),
    "rugby-sevens": ("#43a047", "#1b5e20", rugby_sevens),
    "tennis": ("#e07a3f", "#9c3d10", tennis),
    "boxing": ("#d32f2f", "#6d0f0f", boxing),
    "badminton": ("#7cb342", "#33691e", badminton),
    "table-tennis": ("#1565c0", "#0a2f66", table_tennis),
    "basketball": ("#f57c00", "#a23e00", basketball),
    "handball": ("#00897b", "#004d40", handball),
    "volleyball": ("#fbc02d", "#c77800", volleyball),
    "beach-volleyball": ("#ffb74d", "#e65100", beach_volleyball),
    "football": ("#2e7d32", "#0f3d14", football),
    "hockey": ("#558b2f", "#1e3d0f", hockey),
    "cycling-track": ("#8e24aa", "#3f0d57", cycling_track),
    "cycling-bmx-racing": ("#ef6c00", "#7a2c00", cycling_bmx_racing),
    "skateboarding": ("#ec407a", "#7b1040", skateboarding),
    "breaking": ("#7e57c2", "#2c1260", breaking),
    "rowing": ("#0097a7", "#00434f", rowing),
    "canoe-slalom": ("#00a896", "#02576b", canoe_slalom),
    "sailing": ("#039be5", "#01467a", sailing),
    "shooting": ("#5d4037", "#2b1a14", shooting),
    "archery": ("#c0392b", "#5e1710", archery),
    "equestrian": ("#8d6e63", "#3e2723", equestrian),
    "golf": ("#66bb6a", "#1b5e20", golf),
    "sport-climbing": ("#ff7043", "#8c2b0b", sport_climbing),
    "triathlon": ("#3f51b5", "#0e7c86", triathlon),
    "taekwondo": ("#e53935", "#1e3a8a", taekwondo),
    "wrestling": ("#6d4c41", "#a33b20", wrestling),
    "weightlifting": ("#455a64", "#102027", weightlifting),
}


def svg_for(slug: str) -> str:
    c1, c2, draw = SPORTS[slug]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 400" width="640" height="400">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{c1}"/><stop offset="1" stop-color="{c2}"/>'
        "</linearGradient></defs>"
        '<rect width="640" height="400" fill="url(#g)"/>'
        '<circle cx="580" cy="40" r="190" fill="#fff" opacity="0.07"/>'
        '<circle cx="40" cy="400" r="150" fill="#fff" opacity="0.05"/>'
        f'<g fill="none" stroke="{W}" stroke-linecap="round" stroke-linejoin="round">'
        + draw(c2)
        + "</g></svg>\n"
    )


def main(out_dir: Path = OUT_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for slug in SPORTS:
        target = out_dir / f"{slug}.svg"
        target.write_text(svg_for(slug), encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    for p in main():
        print(p)
