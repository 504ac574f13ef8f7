from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T18:50:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "A signed webhook is taken once per marketplace and event id or signature"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        # A replay meets the first delivery here: INSERT ... ON CONFLICT DO NOTHING.
        await RawTable.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS webhook_receipt_once ON webhook_receipt (marketplace, key)"
        )

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS webhook_receipt_once")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
