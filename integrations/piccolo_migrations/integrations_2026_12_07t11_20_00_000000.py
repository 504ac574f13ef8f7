from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T11:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync_job: the open jobs of a marketplace in due order (the claim's index)"

# Done jobs stay (one row per listing), so the claim must not walk them: only queued and running
# rows, per marketplace, in next_attempt_at order; the claim reads the first due one.
INDEX = (
    "CREATE INDEX IF NOT EXISTS sync_job_open ON sync_job (marketplace, next_attempt_at) "
    "WHERE status IN ('queued', 'running')"
)


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run():
        await RawTable.raw(INDEX)

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS sync_job_open")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
