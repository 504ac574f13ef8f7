"""Server-side SVG charts: no script, no internet, no inline style (CSS classes and SVG attributes only)."""

from __future__ import annotations

from html import escape

from agrimarket.indicators.measures import FunnelRow
from agrimarket.indicators.service import MarketRow, Point

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 44, 36, 16


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 50_000, 100_000):
        if value <= step * 4:
            return step * 4
    return value


def series_svg(points: list[Point], title: str) -> str:
    """Households selling online at each period end: one bar per point, synced and declared stacked."""
    top = _nice_max(max((p.households for p in points), default=0) or 1)
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(points), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i // 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde2d8"/>'
        )
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value}</text>')
    for i, point in enumerate(points):
        x = LEFT + slot * i + slot * 0.15
        width = slot * 0.7
        synced_h = plot_h * min(point.synced, point.households) / top
        total_h = plot_h * point.households / top
        base = TOP + plot_h
        label = f"{point.day:%m/%Y}: {point.households}"
        parts.append(
            f'<rect class="bar declared" x="{x:.1f}" y="{base - total_h:.1f}" width="{width:.1f}" '
            f'height="{total_h - synced_h:.1f}" fill="#9cc9a6"><title>{escape(label)}</title></rect>'
        )
        parts.append(
            f'<rect class="bar synced" x="{x:.1f}" y="{base - synced_h:.1f}" width="{width:.1f}" '
            f'height="{synced_h:.1f}" fill="#1f7a3a"><title>{escape(label)}</title></rect>'
        )
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{base - total_h - 3:.1f}" text-anchor="middle" '
            f'font-size="11">{point.households}</text>'
        )
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{HEIGHT - 14}" text-anchor="middle" font-size="11">'
            f"{point.day:%m/%y}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def markets_svg(rows: list[MarketRow], title: str) -> str:
    """Households per marketplace, horizontal bars."""
    bar_h, gap, label_w = 22, 8, 170
    height = max(len(rows), 1) * (bar_h + gap) + TOP
    top = max((r.households for r in rows), default=0) or 1
    plot_w = WIDTH - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, row in enumerate(rows):
        y = TOP / 2 + i * (bar_h + gap)
        width = plot_w * row.households / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="13">'
            f"{escape(row.label)}</text>"
        )
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y:.1f}" width="{width:.1f}" height="{bar_h}" fill="#1f7a3a"/>'
        )
        parts.append(
            f'<text x="{label_w + width + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="13">{row.households}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# The funnel's stages, lightest to darkest: each step of the way online.
FUNNEL_COLOURS = (
    ("trained", "#c8e3cf"),
    ("connected", "#9cc9a6"),
    ("selling", "#4f9d63"),
    ("transacting", "#1f7a3a"),
)


def funnel_svg(rows: list[FunnelRow], labels: dict[str, str], title: str) -> str:
    """Per commune, four horizontal bars: households trained, connected, selling, transacting.

    Communes where every stage is zero are left out (a province has hundreds of them).
    """
    shown = [r for r in rows if any(getattr(r, key) for key, _ in FUNNEL_COLOURS)]
    bar_h, gap, label_w, legend_h = 9, 10, 170, 24
    group_h = bar_h * len(FUNNEL_COLOURS) + gap
    height = legend_h + max(len(shown), 1) * group_h + 8
    top = max((getattr(r, key) for r in shown for key, _ in FUNNEL_COLOURS), default=0) or 1
    plot_w = WIDTH - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (key, colour) in enumerate(FUNNEL_COLOURS):
        x = label_w + i * 110
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="14" font-size="11">{escape(labels[key])}</text>')
    if not shown:
        parts.append(f'<text x="{label_w}" y="{legend_h + 14}" font-size="13">0</text>')
    for g, row in enumerate(shown):
        y0 = legend_h + g * group_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + bar_h * 2.5:.1f}" text-anchor="end" font-size="12">'
            f"{escape(row.name)}</text>"
        )
        for i, (key, colour) in enumerate(FUNNEL_COLOURS):
            value = getattr(row, key)
            y = y0 + i * bar_h
            width = plot_w * value / top
            parts.append(
                f'<rect class="bar {key}" x="{label_w}" y="{y}" width="{width:.1f}" height="{bar_h - 1}" '
                f'fill="{colour}"><title>{escape(labels[key])}: {value}</title></rect>'
            )
            parts.append(
                f'<text x="{label_w + width + 4:.1f}" y="{y + bar_h - 1}" font-size="9">{value}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
