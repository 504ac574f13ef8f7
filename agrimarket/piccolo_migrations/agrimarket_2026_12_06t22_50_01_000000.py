from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T22:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "An idempotency key counts once per user"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agrimarket", description=DESCRIPTION)

    async def run():
        # A concurrent twin's INSERT ... ON CONFLICT finds the first record of the key.
        await RawTable.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS idempotent_request_once ON idempotent_request (user_id, key)"
        )

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS idempotent_request_once")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
