"""Small server-side SVG charts for the reports page.

Drawn as inline SVG in Python: operators' browsers may have no internet (no CDN chart
library), and the page must work without JavaScript. Every label is XML-escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = "#3b6ea8"
SEED = "#b7791f"
ROW = 22
LABEL_W = 240
BAR_W = 360


def bars(rows: Sequence[tuple[str, float]], *, unit: str = "", title: str = "", colour: str = BAR) -> str:
    """Horizontal bars, one per (label, value); the value is printed after the bar."""
    if not rows:
        return '<p class="muted">No data yet.</p>'
    top = max(value for _, value in rows) or 1.0
    height = ROW * len(rows) + 8
    width = LABEL_W + BAR_W + 90
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}">']
    for index, (label, value) in enumerate(rows):
        y = 4 + index * ROW
        length = max(1.0, BAR_W * value / top) if value else 0.0
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" fill="{colour}">'
                     f"<title>{escape(label)}: {_fmt(value)}{escape(unit)}</title></rect>")
        parts.append(f'<text x="{LABEL_W + length + 6:.1f}" y="{y + 15}">{_fmt(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


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
