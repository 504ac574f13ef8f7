from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T21:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "A marketplace sale counts once: unique per marketplace, order and item"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        # The webhook's idempotency: INSERT ... ON CONFLICT DO NOTHING on this key.
        await RawTable.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS marketplace_sale_once"
            " ON marketplace_sale (marketplace, order_ref, external_id)"
        )

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS marketplace_sale_once")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
