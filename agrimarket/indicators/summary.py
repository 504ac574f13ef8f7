"""The indicator's pre-aggregated history (table ``selling_span``): per household, the days it was
selling online, merged into disjoint half-open ranges, at three levels (any; by kind, synced or
declared; by marketplace), with its current commune, province and legacy district copied in.

A past date is then a range read of one province's index (``to_day > D``, then ``from_day <= D``),
one row per household selling, with no DISTINCT and no scan of listing spans, suppliers and declared listings.

Maintained in the same transaction as the change it summarises, not by a worker:
- a figure is asked right after a change (an officer declares a listing, then opens the report):
  a worker's lag would show a stale figure, and a back-dated change would need a watermark to know
  what to redo; here the answer is always the underlying history's;
- every change touches one household or a few (a listing's own household and its product's
  suppliers), and each rebuild of a household reads only that household's rows: a few ms in a write
  that already rebuilt the listing's live spans;
- nothing to run or watch, and a rollback undoes the summary with its cause.
Who calls ``refresh``: the ``ListingStateChanged`` subscriber (history rows, any instant, out of
order), the declared listings' service (back-dated too), the supplier and membership writers. A
household's commune is copied at refresh: a writer that moves a household calls ``household_moved``
(none does today), so its whole history counts in its current commune, as the SQL over spans did.

``rebuild()`` redoes the whole table from the underlying history (the migration's backfill, data
loaded with COPY, repair): ``from agrimarket.indicators.summary import rebuild``.
"""

from __future__ import annotations

from collections.abc import Iterable

from piccolo.engine.postgres import PostgresEngine

from agrimarket.db import write_transaction
from agrimarket.events import EventBus, ListingStateChanged
from agrimarket.tables import SellingSpan
from integrations import indicators_port as history  # the listing history's SQL, owned by integrations

OPEN_END = "9999-12-31"  # to_day of a household still selling (see SellingSpan)


def _is_postgres() -> bool:
    return isinstance(SellingSpan._meta.db, PostgresEngine)


def _day_of() -> str:
    """A timestamp's day in Vietnam (UTC+7, no daylight saving since 1975), as SQL on this engine."""
    if _is_postgres():
        return "(({}) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
    return "date({}, '+7 hours')"


def _day_after() -> str:
    return "({} + 1)" if _is_postgres() else "date({}, '+1 day')"


def spans_sql(households: str) -> str:
    """INSERT the merged spans of the households ``households`` selects (a test on column ``{}``)."""
    after = _day_after().format("d.to_date")
    return f"""
INSERT INTO selling_span (household, market, source, from_day, to_day, commune, province, legacy_district)
WITH raw AS (
  {history.synced_day_ranges(_day_of(), households)}
  UNION ALL
  SELECT d.household, d.marketplace, 'declared', d.from_date, CASE WHEN d.to_date IS NULL THEN NULL ELSE {after} END
  FROM declared_listing d WHERE d.household IS NOT NULL AND {households.format("d.household")}
),
ranges AS (
  SELECT household, market, source, from_day, COALESCE(to_day, '{OPEN_END}') AS until FROM raw
  WHERE to_day IS NULL OR from_day < to_day
),
levels AS (  -- UNION: no equal ranges, so (from_day, until) orders each partition totally
  SELECT household, '' AS market, '' AS source, from_day, until FROM ranges
  UNION SELECT household, '', source, from_day, until FROM ranges
  UNION SELECT household, market, '', from_day, until FROM ranges
),
reach AS (
  SELECT household, market, source, from_day, until,
    MAX(until) OVER (PARTITION BY household, market, source
      ORDER BY from_day, until ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
  FROM levels
),
islands AS (
  SELECT household, market, source, from_day, until,
    SUM(CASE WHEN reached >= from_day THEN 0 ELSE 1 END) OVER (PARTITION BY household, market, source
      ORDER BY from_day, until ROWS UNBOUNDED PRECEDING) AS island
  FROM reach
),
merged AS (
  SELECT household, market, source, MIN(from_day) AS from_day, MAX(until) AS to_day
  FROM islands GROUP BY household, market, source, island
)
SELECT x.household, x.market, x.source, x.from_day, x.to_day, hh.commune, c.province, hh.legacy_district
FROM merged x JOIN household hh ON hh.id = x.household JOIN commune c ON c.code = hh.commune"""  # noqa: S608


async def refresh(household_ids: Iterable[int | None]) -> None:
    """Redo the spans of these households from their history; call inside the change's transaction."""
    ids = sorted({int(h) for h in household_ids if h is not None})
    if not ids:
        return
    listed = ", ".join(str(h) for h in ids)  # integers only
    async with write_transaction():
        if _is_postgres():
            # Two writers of one household's summary take turns (the second sees the first's rows).
            # NO KEY: rows referencing the household (FK checks) are not held up.
            lock = f"SELECT id FROM household WHERE id IN ({listed}) ORDER BY id FOR NO KEY UPDATE"  # noqa: S608
            await SellingSpan.raw(lock)
        await SellingSpan.raw(f"DELETE FROM selling_span WHERE household IN ({listed})")  # noqa: S608
        await SellingSpan.raw(spans_sql("{} IN (" + listed + ")"))


async def household_moved(household_id: int) -> None:
    """Copy the household's current commune, province and legacy district onto its spans."""
    await SellingSpan.raw(
        """UPDATE selling_span SET
  commune = (SELECT hh.commune FROM household hh WHERE hh.id = selling_span.household),
  province = (SELECT c.province FROM household hh JOIN commune c ON c.code = hh.commune
              WHERE hh.id = selling_span.household),
  legacy_district = (SELECT hh.legacy_district FROM household hh WHERE hh.id = selling_span.household)
WHERE household = {}""",
        household_id,
    )


async def rebuild() -> None:
    """The whole summary from the underlying history (backfill, bench data loaded with COPY, repair)."""
    async with write_transaction():
        await SellingSpan.raw("DELETE FROM selling_span")
        await SellingSpan.raw(spans_sql("{} IS NOT NULL"))
    if _is_postgres():
        await SellingSpan.raw("ANALYZE selling_span")


async def on_listing_state_changed(event: ListingStateChanged) -> None:
    """A history row (maybe back-dated): its listing's household and its product's suppliers."""
    sql = history.LISTING_HOUSEHOLDS.replace(":listing", "{}")
    rows = await SellingSpan.raw(sql, *[event.listing_id] * sql.count("{}"))
    await refresh(r["household"] for r in rows)


def connect(bus: EventBus) -> None:
    bus.subscribe(ListingStateChanged, on_listing_state_changed)
