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

The chart's month ends are read from ``selling_month`` (net changes per month, see SellingMonth),
kept here with the spans: each write computes the households' month changes before and after and
adds the difference, one upsert in key order (two writers of one commune lock its rows in the same
order, so they wait rather than deadlock).

``rebuild()`` redoes both tables from the underlying history (the migration's backfill, data
loaded with COPY, repair): ``from agrimarket.indicators.summary import rebuild``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from agrimarket.db import fetch_direct, write_transaction
from agrimarket.events import EventBus, ListingStateChanged
from agrimarket.tables import SellingMonth, SellingSpan
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


def _month_of() -> str:
    """A date's month (its first day), as SQL on this engine."""
    return "CAST(date_trunc('month', {}) AS date)" if _is_postgres() else "date({}, 'start of month')"


def month_changes_sql(spans: str) -> str:
    """Rows (month, commune, province, source, delta) of the spans at the levels "any" and by kind
    that ``spans`` selects (a test on selling_span's columns): +1 in the month a span starts, -1 in
    the month it ends (open spans never end)."""
    month = _month_of()
    return f"""SELECT month, commune, province, source, SUM(delta) AS delta FROM (
  SELECT {month.format("from_day")} AS month, commune, province, source, 1 AS delta
  FROM selling_span WHERE market = '' AND {spans}
  UNION ALL
  SELECT {month.format("to_day")}, commune, province, source, -1
  FROM selling_span WHERE market = '' AND to_day < '{OPEN_END}' AND {spans}
) x GROUP BY month, commune, province, source HAVING SUM(delta) <> 0"""  # noqa: S608 - fixed SQL fragments only


MonthKey = tuple[object, str, str, str]  # month, commune, province, source


async def _month_changes(spans: str) -> dict[MonthKey, int]:
    rows = await SellingMonth.raw(month_changes_sql(spans))
    return {(r["month"], r["commune"], r["province"], r["source"]): int(r["delta"]) for r in rows}


async def _add_month_changes(before: dict[MonthKey, int], after: dict[MonthKey, int]) -> None:
    """Add ``after - before`` to selling_month: one upsert, keys in order."""
    changed = sorted(
        ((key, after.get(key, 0) - before.get(key, 0)) for key in before.keys() | after.keys()),
        key=lambda item: (item[0][1], item[0][3], str(item[0][0])),
    )
    values = [(*key, delta) for key, delta in changed if delta]
    if not values:
        return
    rows = ", ".join("({}, {}, {}, {}, {})" for _ in values)
    await SellingMonth.raw(
        f"""INSERT INTO selling_month (month, commune, province, source, delta) VALUES {rows}
ON CONFLICT (commune, source, month) DO UPDATE SET delta = selling_month.delta + excluded.delta""",  # noqa: S608
        *(v for row in values for v in row),
    )


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
            # Two writers that redo one household's summary take turns (the second sees the first's
            # rows). NO KEY: rows referencing the household (FK checks) are not held up.
            lock = f"SELECT id FROM household WHERE id IN ({listed}) ORDER BY id FOR NO KEY UPDATE"  # noqa: S608
            await SellingSpan.raw(lock)
        spans = f"household IN ({listed})"
        before = await _month_changes(spans)
        await SellingSpan.raw(f"DELETE FROM selling_span WHERE {spans}")  # noqa: S608
        await SellingSpan.raw(spans_sql("{} IN (" + listed + ")"))
        await _add_month_changes(before, await _month_changes(spans))


# The households a listing's history touches, as a test on a household column ``{}``: one statement
# text for every listing (``:listing`` becomes a parameter), so each connection prepares and plans
# the checks below once instead of once per listing.
_OF_LISTING = "{} IN (" + history.LISTING_HOUSEHOLDS + ")"
_SHARE_LOCK = f"SELECT id FROM household WHERE {_OF_LISTING.format('id')} ORDER BY id FOR SHARE"  # noqa: S608


async def _for_listing(sql: str, listing_id: int) -> Sequence[Mapping[str, Any]]:
    """Run ``sql`` with each ``:listing`` in it bound to ``listing_id``."""
    return await fetch_direct(
        SellingSpan, sql.replace(":listing", "{}"), *[listing_id] * sql.count(":listing")
    )


async def _still_within(listing_id: int) -> bool:
    """Whether the listing's live days, now that it gained live time, are all within its households'
    stored spans already (a household already selling lists one more product): then the spans stay
    as they are. The rebuild reads all of a household's listings, so for a large household it is the
    costly part, and it holds the household's lock.

    On PostgreSQL checked under a share lock on the households. Writers that only add live time
    within the spans share the lock and go on together (one household's listings going live by the
    hundred do not queue); a writer that redoes the spans (exclusive lock) waits for them, so it
    sees their live time, and they wait for it, so they check its rows. When the check fails, the
    share lock is given back (rolled back to its savepoint) before the caller takes the exclusive
    one: two writers never hold it while both wait to upgrade, which would deadlock.
    """
    if not _is_postgres():
        return await _within_spans(listing_id)  # SQLite: writers take turns already
    async with write_transaction() as transaction:
        savepoint = await transaction.savepoint()
        await _for_listing(_SHARE_LOCK, listing_id)
        if await _within_spans(listing_id):
            return True
        await savepoint.rollback_to()
        return False


async def _within_spans(listing_id: int) -> bool:
    """Whether every live day of the listing, for each of the households it touches (its own, its
    product's suppliers), is within one of their stored spans at the three levels it counts in: any
    marketplace and kind, synced, and its marketplace."""
    ranges = history.synced_day_ranges(_day_of(), _OF_LISTING, "{} = :listing")
    outside = await _for_listing(
        f"""WITH ranges AS ({ranges}),
levels AS (SELECT 0 AS level UNION ALL SELECT 1 UNION ALL SELECT 2)
SELECT 1 AS outside FROM ranges r CROSS JOIN levels l
WHERE (r.to_day IS NULL OR r.from_day < r.to_day) AND NOT EXISTS (
  SELECT 1 FROM selling_span s WHERE s.household = r.household
    AND s.market = CASE WHEN l.level = 2 THEN r.market ELSE '' END
    AND s.source = CASE WHEN l.level = 1 THEN 'synced' ELSE '' END
    AND s.from_day <= r.from_day AND s.to_day >= COALESCE(r.to_day, '{OPEN_END}'))
LIMIT 1""",  # noqa: S608 - fixed SQL fragments only
        listing_id,
    )
    return not outside


async def household_moved(household_id: int) -> None:
    """Copy the household's current commune, province and legacy district onto its spans (and
    move its month changes with them); call inside the move's transaction."""
    spans = f"household = {int(household_id)}"
    before = await _month_changes(spans)
    await SellingSpan.raw(
        """UPDATE selling_span SET
  commune = (SELECT hh.commune FROM household hh WHERE hh.id = selling_span.household),
  province = (SELECT c.province FROM household hh JOIN commune c ON c.code = hh.commune
              WHERE hh.id = selling_span.household),
  legacy_district = (SELECT hh.legacy_district FROM household hh WHERE hh.id = selling_span.household)
WHERE household = {}""",
        household_id,
    )
    await _add_month_changes(before, await _month_changes(spans))


async def rebuild() -> None:
    """The whole summary from the underlying history (backfill, bench data loaded with COPY, repair)."""
    async with write_transaction():
        await SellingSpan.raw("DELETE FROM selling_span")
        await SellingSpan.raw(spans_sql("{} IS NOT NULL"))
        await SellingMonth.raw("DELETE FROM selling_month")
        await SellingMonth.raw(
            "INSERT INTO selling_month (month, commune, province, source, delta) "
            + month_changes_sql("1 = 1")
        )
    if _is_postgres():
        await SellingSpan.raw("ANALYZE selling_span")
        await SellingMonth.raw("ANALYZE selling_month")


async def on_listing_state_changed(event: ListingStateChanged) -> None:
    """A history row (maybe back-dated): its listing's household and its product's suppliers."""
    if event.live_change == "same":  # no live time moved (a new listing's pending row): no day did
        return
    if event.live_change == "gained" and await _still_within(event.listing_id):
        return
    rows = await _for_listing(history.LISTING_HOUSEHOLDS, event.listing_id)
    await refresh(r["household"] for r in rows)


def connect(bus: EventBus) -> None:
    bus.subscribe(ListingStateChanged, on_listing_state_changed)
