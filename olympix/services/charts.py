"""Bar and line charts drawn on the server as SVG: no JavaScript, no library.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
(named by ``aria-labelledby``), axes with a few rounded ticks, and labels
in the page's font. It scales with its container (``viewBox``). An empty
series draws the axes and a "no data" note: still a valid image.

The numbers are also in the table beside each chart, which is what screen
readers and spreadsheet users read; the chart is the at-a-glance view.
"""
from __future__ import annotations

import itertools
import math
from xml.sax.saxutils import escape

from markupsafe import Markup

WIDTH, HEIGHT = 440, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 44
COLOURS = ("#0b4aa2", "#f2b53a", "#a8161b", "#0b6e30", "#6b3fa0")
_ids = itertools.count(1)


def nice_ticks(top, count=4):
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks, value = [0], 0
    while value < top:
        value += step
        ticks.append(value)
    return ticks


def _number(value):
    if abs(value) >= 10000:
        return f"{value / 1000:.0f}k"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.1f}"


def _frame(title, desc, labels, ticks, plot):
    """The SVG around ``plot`` (inner markup), with axes and labels."""
    uid = f"chart{next(_ids)}"
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = ticks[-1] or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="xMidYMid meet" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(desc)}</desc>',
    ]
    for tick in ticks:
        y = TOP + inner_h - tick / top * inner_h
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#d5dbe5" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4f5a6e">'
                   f'{escape(_number(tick))}</text>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + inner_h}" stroke="#6b768a"/>')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + inner_h}" y2="{TOP + inner_h}" '
               f'stroke="#6b768a"/>')
    if labels:
        slot = inner_w / len(labels)
        every = max(1, math.ceil(len(labels) / 7))  # at most ~7 labels fit
        for i, label in enumerate(labels):
            if i % every:
                continue
            x = LEFT + slot * (i + 0.5)
            out.append(f'<text x="{x:.1f}" y="{TOP + inner_h + 16}" text-anchor="middle" '
                       f'fill="#15203a">{escape(str(label))}</text>')
    out.append(plot)
    out.append("</svg>")
    return Markup("\n".join(out))


def _empty_note(no_data):
    return (f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2}" y="{TOP + (HEIGHT - TOP - BOTTOM) / 2}" '
            f'text-anchor="middle" fill="#4f5a6e" font-size="13">{escape(no_data)}</text>')


def bar_chart(title, desc, labels, values, *, no_data="No data for this period", unit=""):
    """One bar per label; ``values`` are numbers (None counts as 0)."""
    values = [float(v or 0) for v in values]
    ticks = nice_ticks(max(values, default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = ticks[-1] or 1
    parts = []
    if not values or not any(values):
        parts.append(_empty_note(no_data))
    if values:
        slot = inner_w / len(values)
        bar = max(1.0, slot * 0.7)
        for i, (label, value) in enumerate(zip(labels, values)):
            h = value / top * inner_h
            x = LEFT + slot * i + (slot - bar) / 2
            parts.append(f'<rect x="{x:.1f}" y="{TOP + inner_h - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[0]}">'
                         f'<title>{escape(str(label))}: {escape(_number(value))}{escape(unit)}</title></rect>')
    return _frame(title, desc, labels, ticks, "\n".join(parts))


def line_chart(title, desc, labels, series, *, no_data="No data for this period"):
    """``series`` is [(name, values)]; a legend names them when there are several."""
    series = [(name, [float(v or 0) for v in values]) for name, values in series]
    top_value = max((v for _name, values in series for v in values), default=0)
    ticks = nice_ticks(top_value)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = ticks[-1] or 1
    parts = []
    if not top_value:
        parts.append(_empty_note(no_data))
    for n, (name, values) in enumerate(series):
        if not values:
            continue
        colour = COLOURS[n % len(COLOURS)]
        slot = inner_w / len(values)
        points = [(LEFT + slot * (i + 0.5), TOP + inner_h - v / top * inner_h) for i, v in enumerate(values)]
        dash = ' stroke-dasharray="6 4"' if n % 2 else ""  # not by colour alone
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5"{dash} points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        for (x, y), label, value in zip(points, labels, values):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(name)} — {escape(str(label))}: {escape(_number(value))}</title>'
                         f'</circle>')
    if len(series) > 1:
        x = LEFT
        for n, (name, _values) in enumerate(series):
            colour = COLOURS[n % len(COLOURS)]
            dash = ' stroke-dasharray="6 4"' if n % 2 else ""
            y = HEIGHT - 6
            parts.append(f'<line x1="{x}" x2="{x + 22}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                         f'stroke-width="2.5"{dash}/>')
            parts.append(f'<text x="{x + 28}" y="{y}" fill="#15203a">{escape(name)}</text>')
            x += 40 + 6.5 * len(name)
    return _frame(title, desc, labels, ticks, "\n".join(parts))
