"""Every participation measure side by side for one area and one period, and the funnel
trained → connected → selling → transacting per commune (definitions in measure_defs)."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from agrimarket.declared.catalog import marketplace_label
from agrimarket.indicators import measure_queries as q
from agrimarket.indicators.area import Area
from agrimarket.indicators.definition import cutoff
from agrimarket.indicators.measure_defs import BY_KEY, FUNNEL


@dataclass
class FunnelRow:
    code: str
    name: str
    trained: int = 0
    connected: int = 0
    selling: int = 0
    transacting: int = 0


@dataclass
class MarketTransactions:
    key: str
    label: str
    transactions: int = 0
    value_vnd: int = 0


@dataclass
class Figure:
    key: str
    label: str
    value: int
    definition: str


@dataclass
class Participation:
    start: date
    end: date
    values: dict[str, int] = field(default_factory=dict)
    markets: list[MarketTransactions] = field(default_factory=list)
    funnel: list[FunnelRow] = field(default_factory=list)

    def figures(self, lang: str = "vi") -> list[Figure]:
        """Each measure with its label and one-line definition, in the order of measure_defs."""
        return [
            Figure(key, BY_KEY[key].label(lang), self.values.get(key, 0), BY_KEY[key].definition(lang))
            for key in BY_KEY
        ]


def period_params(start: date, end: date) -> dict:
    return {"start": cutoff(start - timedelta(days=1)), "cutoff": cutoff(end), "first": start, "last": end}


# The slowest first (the report starts its reads in this order).
MEASURES = ("active", "trained", "connected", "transacting")


def participation_reads(area: Area, start: date, end: date) -> list[Awaitable[Any]]:
    """The measures' reads for ``area`` over [start, end], for the report to run beside its own:
    one per measure (commune -> households), then the transactions per marketplace."""
    params = period_params(start, end)
    return [
        *(q.households_by_commune(measure, area.filter, params) for measure in MEASURES),
        q.transactions_by_market(area.filter, params),
    ]


def participation(
    reads: list[Any],
    start: date,
    end: date,
    communes: list[tuple[str, str]],
    selling_by_commune: dict[str, int],
    products: int,
    lang: str = "vi",
) -> Participation:
    """The measures over [start, end] from the results of ``participation_reads``. Selling and
    products are the report's own figures at ``end`` (passed in, not counted twice); ``communes``
    are (code, name) of the area's communes."""
    result = Participation(start, end)
    *counted, by_market = reads
    per_commune = {"selling": selling_by_commune, **dict(zip(MEASURES, counted, strict=True))}
    for measure, counts in per_commune.items():
        result.values[measure] = sum(counts.values())
    result.values["products"] = products
    for row in by_market:
        label = marketplace_label(row["key"], lang)
        result.markets.append(MarketTransactions(row["key"], label, row["n"], int(row["value"] or 0)))
    result.markets.sort(key=lambda m: (-m.transactions, m.key))
    result.values["transactions"] = sum(m.transactions for m in result.markets)
    result.values["value"] = sum(m.value_vnd for m in result.markets)
    result.funnel = [
        FunnelRow(code, name, *(per_commune[key].get(code, 0) for key in FUNNEL)) for code, name in communes
    ]
    return result
