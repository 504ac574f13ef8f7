from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-07T04:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "selling_span (the indicator's summary, agrimarket): indexes, backfill from the history"

# Frozen copies of agrimarket.indicators.summary.spans_sql("{} IS NOT NULL") on each engine
# (migrations must not follow app code). Here, not in the agrimarket app: it reads listing_span.
BACKFILL_POSTGRES = """INSERT INTO selling_span (household, market, source, from_day, to_day, commune, province, legacy_district)
WITH raw AS (
  SELECT s.household, m.code AS market, 'synced' AS source, ((s.live_from) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS from_day, ((s.live_until) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS to_day
  FROM listing_span s JOIN marketplace m ON m.id = s.marketplace
  WHERE s.household IS NOT NULL AND s.household IS NOT NULL
  UNION ALL
  SELECT ps.household, m.code, 'synced',
    CASE WHEN ((s.live_from) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > ((ps.added_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date THEN ((s.live_from) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date ELSE ((ps.added_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date END,
    CASE WHEN ((s.live_until) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date IS NULL THEN ((ps.removed_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date WHEN ((ps.removed_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date IS NULL OR ((s.live_until) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < ((ps.removed_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date THEN ((s.live_until) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
      ELSE ((ps.removed_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date END
  FROM product_supplier ps JOIN listing li ON li.product = ps.product
    JOIN listing_span s ON s.listing = li.id JOIN marketplace m ON m.id = s.marketplace
  WHERE ps.household IS NOT NULL
  UNION ALL
  SELECT d.household, d.marketplace, 'declared', d.from_date, CASE WHEN d.to_date IS NULL THEN NULL ELSE (d.to_date + 1) END
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
FROM merged x JOIN household hh ON hh.id = x.household JOIN commune c ON c.code = hh.commune"""

BACKFILL_SQLITE = """INSERT INTO selling_span (household, market, source, from_day, to_day, commune, province, legacy_district)
WITH raw AS (
  SELECT s.household, m.code AS market, 'synced' AS source, date(s.live_from, '+7 hours') AS from_day, date(s.live_until, '+7 hours') AS to_day
  FROM listing_span s JOIN marketplace m ON m.id = s.marketplace
  WHERE s.household IS NOT NULL AND s.household IS NOT NULL
  UNION ALL
  SELECT ps.household, m.code, 'synced',
    CASE WHEN date(s.live_from, '+7 hours') > date(ps.added_at, '+7 hours') THEN date(s.live_from, '+7 hours') ELSE date(ps.added_at, '+7 hours') END,
    CASE WHEN date(s.live_until, '+7 hours') IS NULL THEN date(ps.removed_at, '+7 hours') WHEN date(ps.removed_at, '+7 hours') IS NULL OR date(s.live_until, '+7 hours') < date(ps.removed_at, '+7 hours') THEN date(s.live_until, '+7 hours')
      ELSE date(ps.removed_at, '+7 hours') END
  FROM product_supplier ps JOIN listing li ON li.product = ps.product
    JOIN listing_span s ON s.listing = li.id JOIN marketplace m ON m.id = s.marketplace
  WHERE ps.household IS NOT NULL
  UNION ALL
  SELECT d.household, d.marketplace, 'declared', d.from_date, CASE WHEN d.to_date IS NULL THEN NULL ELSE date(d.to_date, '+1 day') END
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
FROM merged x JOIN household hh ON hh.id = x.household JOIN commune c ON c.code = hh.commune"""

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
