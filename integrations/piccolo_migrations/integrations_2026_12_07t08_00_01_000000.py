from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-07T08:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Live spans: fill the copied product, commune and province; index an area's spans; the country's"
    " selling_span index covers the commune and legacy district"
)

# What integrations.listings.spans now writes with each span, for the spans already there.
BACKFILL = (
    "UPDATE listing_span SET product = (SELECT li.product FROM listing li WHERE li.id = listing_span.listing),"
    " commune = COALESCE("
    "(SELECT hh.commune FROM household hh WHERE hh.id = listing_span.household),"
    " (SELECT co.commune FROM cooperative co WHERE co.id = listing_span.cooperative))",
    "UPDATE listing_span SET province = (SELECT c.province FROM commune c WHERE c.code = listing_span.commune)",
)
# An area's spans live at a cutoff or overlapping a period: a range on (province, live_until) then
# live_from; the whole country's: a range on live_until then live_from (listing_span_covers, now with
# what the indicators read of each span, so that both are index-only scans on PostgreSQL).
INDEXES_POSTGRES = (
    "CREATE INDEX IF NOT EXISTS listing_span_area ON listing_span (province, live_until, live_from)"
    " INCLUDE (commune, marketplace, product, household, cooperative)",
    "DROP INDEX IF EXISTS listing_span_covers",
    "CREATE INDEX listing_span_covers ON listing_span (live_until, live_from)"
    " INCLUDE (household, marketplace, product, cooperative, commune)",
    # The whole country by commune (and legacy district) at a day: index-only too.
    "DROP INDEX IF EXISTS selling_span_country",
    "CREATE INDEX selling_span_country ON selling_span (market, source, to_day)"
    " INCLUDE (from_day, province, commune, legacy_district)",
)
INDEXES_SQLITE = (
    "CREATE INDEX IF NOT EXISTS listing_span_area ON listing_span (province, live_until, live_from)",
    "DROP INDEX IF EXISTS listing_span_covers",
    "CREATE INDEX listing_span_covers"
    " ON listing_span (live_until, live_from, household, marketplace, product, cooperative, commune)",
    "DROP INDEX IF EXISTS selling_span_country",
    "CREATE INDEX selling_span_country"
    " ON selling_span (market, source, to_day, from_day, province, commune, legacy_district)",
)
# As the earlier migrations made them (backwards).
BEFORE_POSTGRES = (
    "CREATE INDEX listing_span_covers ON listing_span (live_until, live_from, household, marketplace)",
    "CREATE INDEX selling_span_country ON selling_span (market, source, to_day) INCLUDE (from_day, province)",
)
BEFORE_SQLITE = (
    "CREATE INDEX listing_span_covers ON listing_span (live_until, live_from, household, marketplace)",
    "CREATE INDEX selling_span_country ON selling_span (market, source, to_day, from_day, province)",
)


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        for update in BACKFILL:
            await RawTable.raw(update)
        postgres = isinstance(RawTable._meta.db, PostgresEngine)
        for index in INDEXES_POSTGRES if postgres else INDEXES_SQLITE:
            await RawTable.raw(index)

    async def run_backwards():
        for name in ("listing_span_area", "listing_span_covers", "selling_span_country"):
            await RawTable.raw(f"DROP INDEX IF EXISTS {name}")
        postgres = isinstance(RawTable._meta.db, PostgresEngine)
        for index in BEFORE_POSTGRES if postgres else BEFORE_SQLITE:
            await RawTable.raw(index)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
