"""Small server-side SVG charts for the reports page.

Drawn as inline SVG in Python: operators' browsers may have no internet (no CDN chart
library), and the page must work without JavaScript. Every label is XML-escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = "#3b6ea8"
SEED = "#b7791f"
ROW = 24
LABEL_W = 300
BAR_W = 260


def bars(rows: Sequence[tuple[str, float]], *, unit: str = "", title: str = "", colour: str = BAR,
         axis: str = "", marks: Sequence[float | None] = ()) -> str:
    """Horizontal bars, one per (label, value), with a title, the value after each bar and the axis
    label under them; ``marks`` draws a target line per row (e.g. a level's target time)."""
    if not rows:
        return '<p class="muted">No data yet.</p>'
    top = max([value for _, value in rows] + [m for m in marks if m is not None]) or 1.0
    head = 28 if title else 4
    height = head + ROW * len(rows) + (30 if axis else 8)
    width = LABEL_W + BAR_W + 90
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}">']
    if title:
        parts.append(f'<text x="0" y="18" class="chart-title">{escape(title)}</text>')
    for index, (label, value) in enumerate(rows):
        y = head + index * ROW
        length = max(1.0, BAR_W * value / top) if value else 0.0
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(_short(label))}'
                     f"<title>{escape(label)}</title></text>")
        parts.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" fill="{colour}">'
                     f"<title>{escape(label)}: {_fmt(value)}{escape(unit)}</title></rect>")
        parts.append(f'<text x="{LABEL_W + length + 6:.1f}" y="{y + 15}">{_fmt(value)}{escape(unit)}</text>')
        mark = marks[index] if index < len(marks) else None
        if mark is not None:
            x = LABEL_W + BAR_W * mark / top
            parts.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + ROW - 2}" stroke="{SEED}" '
                         f'stroke-width="3"><title>target {_fmt(mark)}{escape(unit)}</title></line>')
    if axis:
        base = head + ROW * len(rows) + 4
        parts.append(f'<line x1="{LABEL_W}" y1="{base}" x2="{LABEL_W + BAR_W}" y2="{base}" stroke="#667085"/>')
        parts.append(f'<text x="{LABEL_W}" y="{base + 18}" class="axis">0</text>'
                     f'<text x="{LABEL_W + BAR_W}" y="{base + 18}" text-anchor="end" class="axis">'
                     f"{_fmt(top)}{escape(unit)}</text>"
                     f'<text x="{LABEL_W + BAR_W / 2}" y="{base + 18}" text-anchor="middle" class="axis">'
                     f"{escape(axis)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def columns(rows: Sequence[tuple[str, float]], *, title: str, x_axis: str, y_axis: str) -> str:
    """Vertical bars over time (one per day), with a title and both axes labelled."""
    if not rows:
        return '<p class="muted">No data yet.</p>'
    top = max(value for _, value in rows) or 1.0
    left, plot_h, width = 44, 160, 600
    step = min(48.0, (width - left - 10) / len(rows))
    height = 28 + plot_h + 44
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}"><text x="0" y="18" class="chart-title">{escape(title)}</text>']
    base = 28 + plot_h
    parts.append(f'<line x1="{left}" y1="28" x2="{left}" y2="{base}" stroke="#667085"/>'
                 f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#667085"/>'
                 f'<text x="{left - 6}" y="{base}" text-anchor="end" class="axis">0</text>'
                 f'<text x="{left - 6}" y="40" text-anchor="end" class="axis">{_fmt(top)}</text>'
                 f'<text x="12" y="{28 + plot_h / 2}" class="axis" transform="rotate(-90 12 {28 + plot_h / 2})" '
                 f'text-anchor="middle">{escape(y_axis)}</text>')
    every = max(1, len(rows) // 8)
    for index, (label, value) in enumerate(rows):
        x = left + 2 + index * step
        h = plot_h * value / top
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{max(2.0, step - 3):.1f}" height="{h:.1f}" '
                     f'fill="{BAR}"><title>{escape(label)}: {_fmt(value)}</title></rect>')
        if index % every == 0:
            parts.append(f'<text x="{x:.1f}" y="{base + 16}" class="axis">{escape(label[5:])}</text>')
    parts.append(f'<text x="{left + (width - left) / 2}" y="{base + 38}" text-anchor="middle" class="axis">'
                 f"{escape(x_axis)}</text></svg>")
    return "".join(parts)


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def split(misconfiguration: float | None, connection: float | None) -> str:
    """Misconfiguration vs connection as one 100 % bar, with the seed's 50 % line drawn on it."""
    if misconfiguration is None or connection is None or misconfiguration + connection == 0:
        return '<p class="muted">No misconfiguration or connection incidents decided yet.</p>'
    total = misconfiguration + connection
    left = BAR_W * 1.6 * misconfiguration / total
    width = BAR_W * 1.6
    return (f'<svg class="chart" viewBox="0 0 {width + 20:.0f} 70" width="{width + 20:.0f}" height="70" role="img" '
            f'aria-label="misconfiguration versus connection">'
            f'<rect x="10" y="10" width="{left:.1f}" height="26" fill="{BAR}"/>'
            f'<rect x="{10 + left:.1f}" y="10" width="{width - left:.1f}" height="26" fill="#7fb069"/>'
            f'<line x1="{10 + width / 2:.1f}" y1="4" x2="{10 + width / 2:.1f}" y2="42" stroke="{SEED}" '
            f'stroke-width="3" stroke-dasharray="4 2"><title>the seed: half and half</title></line>'
            f'<text x="10" y="60">misconfiguration {misconfiguration / total:.0%}</text>'
            f'<text x="{10 + width}" y="60" text-anchor="end">connection {connection / total:.0%}</text>'
            "</svg>")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"
