from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T21:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "An order is one row per marketplace and order id, however it arrives"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        # Webhook and pull of the same order meet here: INSERT ... ON CONFLICT DO NOTHING.
        await RawTable.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS marketplace_order_once"
            " ON marketplace_order (marketplace, order_ref)"
        )

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS marketplace_order_once")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
