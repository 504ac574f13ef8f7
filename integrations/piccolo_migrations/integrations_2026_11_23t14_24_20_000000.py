from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T14:24:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "listing live spans: indexes, backfill from the listing history"

# A frozen copy of integrations.listings.spans.SPANS_FROM_HISTORY (migrations must not follow app code).
BACKFILL = """
INSERT INTO listing_span (listing, marketplace, household, cooperative, live_from, live_until)
SELECT listing, marketplace, household, cooperative, at, next_at FROM (
  SELECT listing, marketplace, household, cooperative, to_state, at,
         LEAD(at) OVER (PARTITION BY listing ORDER BY at, id) AS next_at
  FROM listing_history
) h
WHERE to_state = 'live' AND (next_at IS NULL OR next_at > at)"""


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        # "Live at cutoff C" is live_from < C <= live_until (or open): searched on live_until, and
        # covering, so SQLite reads the households and marketplaces from the index alone.
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS listing_span_covers"
            " ON listing_span (live_until, live_from, household, marketplace)"
        )
        await RawTable.raw("DELETE FROM listing_span")
        await RawTable.raw(BACKFILL)

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS listing_span_covers")
        await RawTable.raw("DELETE FROM listing_span")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
