from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T11:28:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "One listing per product and marketplace; history read by listing and time"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        # Piccolo has no composite unique option on columns.
        await RawTable.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS listing_product_marketplace_uniq ON listing (product, marketplace)"
        )
        # The indicator walks each listing's history in time order up to a date.
        await RawTable.raw("CREATE INDEX IF NOT EXISTS listing_history_listing_at ON listing_history (listing, at)")

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS listing_history_listing_at")
        await RawTable.raw("DROP INDEX IF EXISTS listing_product_marketplace_uniq")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
