"""The benches' own code on a tiny size, on the test engine: the indicator data generator (its
national shape), every indicator figure's query agreeing with the hand-written SQL and the history,
the table lines with their verdicts, and a household import. No speed is asserted here (bench/)."""

from __future__ import annotations

import csv
import io

from agrimarket.indicators.exports import report_csv_chunks
from agrimarket.indicators.queries import run
from agrimarket.indicators.service import build_report
from bench import imports, indicators
from bench.indicators_figures import FIGURES, figure
from bench.indicators_fill import PROVINCE

HOUSEHOLDS, HISTORY = 3_000, 20_000


async def test_national_data_shape_and_figures_agree(monkeypatch):
    # One timed run of each: the answers are what this test checks, not the times.
    monkeypatch.setattr(indicators, "REPEAT", {"national": 1})
    # The XLSX writer has its own tests (tests/agrimarket/indicators); the bench's loop runs on the CSV.
    monkeypatch.setattr(indicators, "EXPORT_KINDS", ("csv",))
    for name, value in (("DASHBOARD_REPEAT", 1), ("EXPORT_REPEAT", 1), ("FLAT", 2)):
        monkeypatch.setattr(indicators, name, value)
    got = await indicators._measure("test", "national", HOUSEHOLDS, HISTORY)  # asserts the answers agree
    counts = await run(
        """SELECT c.province, COUNT(*) AS n FROM household hh JOIN commune c ON c.code = hh.commune
        GROUP BY c.province""",
        {},
    )
    by_province = {r["province"]: r["n"] for r in counts}
    assert sum(by_province.values()) == HOUSEHOLDS
    assert by_province[PROVINCE] == HOUSEHOLDS // 10  # Hải Phòng: the province size's tenth
    others = sorted((n for p, n in by_province.items() if p != PROVINCE), reverse=True)
    assert len(others) == 33 and others[0] > 5 * others[-1]  # every province, a skewed spread
    assert (await run("SELECT COUNT(*) AS n FROM listing_history", {}))[0]["n"] == HISTORY
    assert got["provinces"] > 1 and got["csv_rows"] == 3321  # the country's export lists every commune
    assert 0 < got["households"] < got["country_households"] <= HOUSEHOLDS
    lines = [figure(name, [got, got], "test") for name in FIGURES if name != "xlsx"]
    assert all(" | " in f.ours and "growth 1.0×" in f.ratio for f in lines)
    assert all(f.goal.endswith(("→ OK", "→ MISSED")) for f in lines)


async def test_country_csv_streams_in_chunks_that_make_one_file():
    await indicators._load("national", HOUSEHOLDS, HISTORY)
    report = await build_report(indicators._area("country"), indicators.DAY)
    chunks = list(report_csv_chunks(report))
    assert len(chunks) > 1 and chunks[0].startswith("\ufeff".encode()) and not chunks[1].startswith(b"\xef")
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    communes = rows[rows.index(["Theo xã/phường"]) + 2 :][: len(report.communes)]
    assert [r[0] for r in communes] == [c.code for c in report.communes]
    assert sum(int(r[2]) for r in communes) == report.households


async def test_import_bench_line():
    result = await imports._run((30,))  # asserts every row was imported, none rejected
    assert len(result.figures) == 1 and result.figures[0].goal.endswith(("→ OK", "→ MISSED"))
    assert "30:" in result.details[0][1]
