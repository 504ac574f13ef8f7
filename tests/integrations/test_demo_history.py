"""The demo back-history gives the Hải Phòng dashboard figures with a 12-month shape."""

from __future__ import annotations

from agrimarket import demo
from agrimarket.indicators.area import area_by_code
from agrimarket.indicators.definition import today
from agrimarket.indicators.service import build_report
from integrations import demo_history


async def test_demo_history_shows_figures_for_hai_phong(client):
    lines = await demo.seed()  # the main demo seeds the indicator back-history too
    assert any("declared listings" in line for line in lines), lines
    report = await build_report(await area_by_code("31"), today())
    assert report.households >= 8 and report.declared > 0 and report.synced > 0, (lines, report.synced)
    assert sum(1 for c in report.communes if c.households) >= 4
    assert len(report.series) == 12 and report.series[0].households < report.series[-1].households
    assert {"shopee", "facebook_zalo"} <= {m.key for m in report.marketplaces}
    assert await demo_history.seed() == ["Indicators: demo history already present, nothing added."]
