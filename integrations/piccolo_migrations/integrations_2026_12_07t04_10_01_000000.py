from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-07T04:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "selling_span (the indicator's summary, agrimarket): indexes, backfill from the history"


# Frozen copies of agrimarket.indicators.summary.spans_sql("{} IS NOT NULL") on each engine
# (migrations must not follow app code). Here, not in the agrimarket app: it reads listing_span.
def _backfill(day, next_day) -> str:
    """The INSERT on one engine: ``day(x)`` is timestamp x's day in Vietnam, ``next_day(d)`` the day after date d."""
    return f"""INSERT INTO selling_span (household, market, source, from_day, to_day, commune, province, legacy_district)
WITH raw AS (
  SELECT s.household, m.code AS market, 'synced' AS source, {day("s.live_from")} AS from_day, {day("s.live_until")} AS to_day
  FROM listing_span s JOIN marketplace m ON m.id = s.marketplace
  WHERE s.household IS NOT NULL AND s.household IS NOT NULL
  UNION ALL
  SELECT ps.household, m.code, 'synced',
    CASE WHEN {day("s.live_from")} > {day("ps.added_at")} THEN {day("s.live_from")} ELSE {day("ps.added_at")} END,
    CASE WHEN {day("s.live_until")} IS NULL THEN {day("ps.removed_at")} WHEN {day("ps.removed_at")} IS NULL OR {day("s.live_until")} < {day("ps.removed_at")} THEN {day("s.live_until")}
      ELSE {day("ps.removed_at")} END
  FROM product_supplier ps JOIN listing li ON li.product = ps.product
    JOIN listing_span s ON s.listing = li.id JOIN marketplace m ON m.id = s.marketplace
  WHERE ps.household IS NOT NULL
  UNION ALL
  SELECT d.household, d.marketplace, 'declared', d.from_date, CASE WHEN d.to_date IS NULL THEN NULL ELSE {next_day("d.to_date")} END
  FROM declared_listing d WHERE d.household IS NOT NULL AND d.household IS NOT NULL
),
ranges AS (
  SELECT household, market, source, from_day, COALESCE(to_day, '9999-12-31') AS until FROM raw
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
FROM merged x JOIN household hh ON hh.id = x.household JOIN commune c ON c.code = hh.commune"""  # noqa: S608 - fixed SQL fragments only


BACKFILL_POSTGRES = _backfill(
    lambda x: f"(({x}) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date", lambda d: f"({d} + 1)"
)
BACKFILL_SQLITE = _backfill(lambda x: f"date({x}, '+7 hours')", lambda d: f"date({d}, '+1 day')")

# An area at a day is a range of one of these: a province (officers), a commune, the whole country
# (by province); on to_day (9999-12-31 while open), which leaves out what ended before the day, and
# for a recent day (the common ask) most of what is left covers it. PostgreSQL keeps the other
# columns read beside the key (index-only scans).
INDEXES_POSTGRES = (
    "CREATE INDEX IF NOT EXISTS selling_span_province ON selling_span (province, market, source, to_day)"
    " INCLUDE (from_day, commune, legacy_district)",
    "CREATE INDEX IF NOT EXISTS selling_span_commune ON selling_span (commune, market, source, to_day)"
    " INCLUDE (from_day, legacy_district)",
    "CREATE INDEX IF NOT EXISTS selling_span_country ON selling_span (market, source, to_day)"
    " INCLUDE (from_day, province)",
)
INDEXES_SQLITE = (
    "CREATE INDEX IF NOT EXISTS selling_span_province"
    " ON selling_span (province, market, source, to_day, from_day, commune, legacy_district)",
    "CREATE INDEX IF NOT EXISTS selling_span_commune"
    " ON selling_span (commune, market, source, to_day, from_day, legacy_district)",
    "CREATE INDEX IF NOT EXISTS selling_span_country ON selling_span (market, source, to_day, from_day, province)",
)


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        postgres = isinstance(RawTable._meta.db, PostgresEngine)
        for index in INDEXES_POSTGRES if postgres else INDEXES_SQLITE:
            await RawTable.raw(index)
        await RawTable.raw("DELETE FROM selling_span")
        await RawTable.raw(BACKFILL_POSTGRES if postgres else BACKFILL_SQLITE)

    async def run_backwards():
        for name in ("province", "commune", "country"):
            await RawTable.raw(f"DROP INDEX IF EXISTS selling_span_{name}")
        await RawTable.raw("DELETE FROM selling_span")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
