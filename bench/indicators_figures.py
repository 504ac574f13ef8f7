"""The indicator bench's table lines: each figure with its goal, at one size or two side by side."""

from __future__ import annotations

from bench.indicators_fill import DAY
from bench.report import Figure, verdict

# Issue 25's goals (PostgreSQL, 2 cores).
MAX_MS, MAX_RATIO = 100, 1.2  # by commune, one province: at both sizes
COUNTRY_MAX_MS = 500  # by province, whole country, at 1.3 M households
# The officer's dashboard (every figure, the 12-month chart, the funnel), through the app's pool.
DASHBOARD_MAX_MS = {"province": 500, "country": 1000}
EXPORT_MAX_MS = 3000  # the country's export by commune: report + file
# Streamed: the memory the writing adds does not grow with the file (traced at 1× and 10× the rows).
EXPORT_MAX_GROWTH = 1.5


def single(got: dict[str, float], engine: str) -> list[Figure]:
    """One size: each figure with its goal."""
    return [figure(name, [got], engine) for name in FIGURES]


def figure(name: str, sizes: list[dict[str, float]], engine: str) -> Figure:
    """A figure at one size, or at each size side by side ("130 k | 1.3 M") with the growth."""
    label, ours_of, ceiling_of, ok_of, goal = FIGURES[name]
    ours = " | ".join(ours_of(g) for g in sizes)
    ceiling = " | ".join(ceiling_of(g) for g in sizes) if ceiling_of else "—"
    if ceiling_of and name in ("commune", "country"):
        ratio = " | ".join(f"{g[name] / g[name + '_hand']:.2f}×" for g in sizes)
    else:
        ratio = "—"
    if len(sizes) == 2:
        key = {"csv": "csv_ms", "xlsx": "xlsx_ms"}.get(name, name)
        ratio = (
            f"{ratio}; growth {sizes[1][key] / sizes[0][key]:.1f}×"
            if ratio != "—"
            else (f"growth {sizes[1][key] / sizes[0][key]:.1f}×")
        )
    met = all(ok_of(g, i == len(sizes) - 1 or len(sizes) == 1) for i, g in enumerate(sizes))
    return Figure(f"{label} ({engine})", ours, ceiling, ratio, verdict(goal, met))


def _export_ok(kind: str):
    def ok(g: dict[str, float], _last: bool) -> bool:
        flat = g[f"{kind}_traced10"] <= EXPORT_MAX_GROWTH * g[f"{kind}_traced"]
        return flat and g[f"{kind}_ms"] <= EXPORT_MAX_MS

    return ok


def _export_ours(kind: str):
    def ours(g: dict[str, float]) -> str:
        return (
            f"{g[kind + '_ms']:,.0f} ms, {g[kind + '_bytes'] / 1024:,.0f} KiB; writing adds "
            f"{g[kind + '_traced'] / 1024:,.0f} KiB ({g[kind + '_traced10'] / 1024:,.0f} KiB at 10× the rows), "
            f"RSS +{g[kind + '_rss']:.0f} MiB"
        )

    return ours


# name: (label, ours, ceiling, met at a size (is it the largest?), goal)
FIGURES = {
    "commune": (
        "households selling by commune, one province, at a date",
        lambda g: f"{g['commune']:.0f} ms",
        lambda g: f"{g['commune_hand']:.0f} ms (best hand SQL)",
        lambda g, _: g["commune"] < MAX_MS and g["commune"] / g["commune_hand"] <= MAX_RATIO,
        f"≤ {MAX_RATIO}× hand SQL and < {MAX_MS} ms at each size",
    ),
    "country": (
        "households selling by province, whole country, at a date",
        lambda g: f"{g['country']:.0f} ms",
        lambda g: f"{g['country_hand']:.0f} ms",
        lambda g, last: not last or g["country"] < COUNTRY_MAX_MS,
        f"< {COUNTRY_MAX_MS} ms at the largest size",
    ),
    "dashboard_province": (
        "officer dashboard: the province's whole report",
        lambda g: f"{g['dashboard_province']:,.0f} ms",
        None,
        lambda g, _: g["dashboard_province"] <= DASHBOARD_MAX_MS["province"],
        f"≤ {DASHBOARD_MAX_MS['province']} ms",
    ),
    "dashboard_country": (
        "officer dashboard: the whole country's report",
        lambda g: f"{g['dashboard_country']:,.0f} ms",
        None,
        lambda g, _: g["dashboard_country"] <= DASHBOARD_MAX_MS["country"],
        f"≤ {DASHBOARD_MAX_MS['country']:,} ms",
    ),
    "csv": (
        "export CSV, whole country by commune (report + file)",
        _export_ours("csv"),
        None,
        _export_ok("csv"),
        f"≤ {EXPORT_MAX_MS / 1000:g} s; memory flat: ≤ {EXPORT_MAX_GROWTH}× at 10× the rows",
    ),
    "xlsx": (
        "export XLSX, whole country by commune (report + file)",
        _export_ours("xlsx"),
        None,
        _export_ok("xlsx"),
        f"≤ {EXPORT_MAX_MS / 1000:g} s; memory flat: ≤ {EXPORT_MAX_GROWTH}× at 10× the rows",
    ),
}


def details(got: dict[str, float], size: str) -> tuple[str, str]:
    return (
        f"{size} size:",
        f"{got['households']:,.0f} households online in {got['communes']:.0f} communes of Hải Phòng, "
        f"{got['country_households']:,.0f} in {got['provinces']:.0f} provinces at {DAY}; "
        f"loaded in {got['fill_s']:.0f} s; exports list {got['csv_rows']:,.0f} communes; "
        f"without the summary (best hand SQL over the live spans): by commune {got['commune_spans']:.0f} ms, "
        f"by province {got['country_spans']:.0f} ms",
    )
