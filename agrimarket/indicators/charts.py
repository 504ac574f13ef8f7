"""Server-side SVG charts: no script, no internet, no inline style (CSS classes and SVG attributes only)."""

from __future__ import annotations

from html import escape

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
