"""The SQL answer (read from the live spans) equals a straightforward Python computation over seeded
random histories, same-instant and out-of-order rows included."""

from __future__ import annotations

import random
from datetime import date, timedelta

from agrimarket.indicators.area import area_by_code
from agrimarket.indicators.definition import cutoff
from agrimarket.indicators.service import build_report
from tests.agrimarket.indicators.helpers import history, household, listing, vn
from tests.agrimarket.indicators.test_spans import spans, spans_from_history
from tests.factories import HAI_PHONG

STATES = ("pending", "live", "live", "rejected", "delisted")
START = date(2026, 1, 1)


def expected(changes: dict, owners: dict, markets: dict, day: date) -> tuple[int, dict[str, int]]:
    """Households (total, per marketplace) with a listing whose last change before the cutoff is live."""
    end = cutoff(day)
    selling: dict[str, set[int]] = {}
    for item, rows in changes.items():
        past = [state for state, at in sorted(rows, key=lambda r: r[1]) if at < end]
        if past and past[-1] == "live":
            selling.setdefault(markets[item], set()).add(owners[item])
    everyone = set().union(*selling.values()) if selling else set()
    return len(everyone), {code: len(hs) for code, hs in selling.items()}


async def test_sql_matches_python_on_random_histories():
    rng = random.Random(20260106)
    farms = [await household() for _ in range(12)]
    changes, owners, markets = {}, {}, {}
    for _ in range(30):
        farm, code = rng.choice(farms), rng.choice(("postmart", "voso"))
        item = await listing(farm, code=code)
        # Repeated days and two hours make same-instant rows; some are written out of time order
        # (as the demo back-history is). Ties go to the row written later, in both answers.
        days = sorted(rng.choices(range(60), k=rng.randint(1, 6)))
        rows = [(rng.choice(STATES), vn(2026, 1, 1, rng.choice((9, 23))) + timedelta(days=d)) for d in days]
        if rng.random() < 0.3:
            rng.shuffle(rows)
        await history(item, *rows)
        changes[item], owners[item], markets[item] = rows, farm, code
    for item in changes:  # the spans the writer kept are the history's
        assert await spans(item) == await spans_from_history(item), item
    area = await area_by_code(HAI_PHONG)
    for offset in range(-1, 62, 3):
        day = START + timedelta(days=offset)
        report = await build_report(area, day, with_series=False)
        total, per_market = expected(changes, owners, markets, day)
        assert report.households == total, day
        got = {m.key: m.households for m in report.marketplaces if m.households}
        assert got == per_market, day
