from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-07T08:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "selling_month (the indicator chart's summary, agrimarket): indexes, backfill from selling_span"


# Frozen copies of agrimarket.indicators.summary.month_changes_sql("1 = 1") on each engine (migrations
# must not follow app code). Here, after selling_span's own backfill (integrations, 2026-12-07T04:10:01).
def _backfill(month) -> str:
    """The INSERT on one engine: ``month(d)`` is the first day of date d's month."""
    return f"""INSERT INTO selling_month (month, commune, province, source, delta)
SELECT month, commune, province, source, SUM(delta) AS delta FROM (
  SELECT {month("from_day")} AS month, commune, province, source, 1 AS delta
  FROM selling_span WHERE market = '' AND 1 = 1
  UNION ALL
  SELECT {month("to_day")}, commune, province, source, -1
  FROM selling_span WHERE market = '' AND to_day < '9999-12-31' AND 1 = 1
) x GROUP BY month, commune, province, source HAVING SUM(delta) <> 0"""  # noqa: S608 - fixed SQL fragments only


BACKFILL_POSTGRES = _backfill(lambda d: f"CAST(date_trunc('month', {d}) AS date)")
BACKFILL_SQLITE = _backfill(lambda d: f"date({d}, 'start of month')")

# The writers' upsert key (a commune's kind, month by month), which is also a commune's range;
# a province's range, with what the chart sums.
INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS selling_month_key ON selling_month (commune, source, month)",
    "CREATE INDEX IF NOT EXISTS selling_month_province ON selling_month (province, month, source, delta)",
)


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        for index in INDEXES:
            await RawTable.raw(index)
        await RawTable.raw("DELETE FROM selling_month")
        postgres = isinstance(RawTable._meta.db, PostgresEngine)
        await RawTable.raw(BACKFILL_POSTGRES if postgres else BACKFILL_SQLITE)

    async def run_backwards():
        for name in ("key", "province"):
            await RawTable.raw(f"DROP INDEX IF EXISTS selling_month_{name}")
        await RawTable.raw("DELETE FROM selling_month")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
