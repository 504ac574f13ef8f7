from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T19:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "An order action counts once per order and idempotency key"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        # A repeated request (the same Idempotency-Key) finds the first action: INSERT ... ON CONFLICT.
        await RawTable.raw(
            'CREATE UNIQUE INDEX IF NOT EXISTS order_action_once ON order_action ("order", idempotency_key)'
        )

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS order_action_once")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
