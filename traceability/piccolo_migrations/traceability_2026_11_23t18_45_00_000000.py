from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T18:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Scans indexed by stamp and client: a scan counts its stamp's scans from the index alone"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)

    async def run():
        # Piccolo has no composite index option on columns. Without it, every scan read each earlier
        # scan of its stamp from the table, so a much-scanned stamp got slower with every scan.
        await RawTable.raw("CREATE INDEX IF NOT EXISTS scan_stamp_client ON scan (stamp, client_hash)")

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS scan_stamp_client")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
