from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T21:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "A household attends a training session once, however often its list is uploaded"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agrimarket", description=DESCRIPTION)

    async def run():
        # Attendance lists are uploaded again and again: INSERT ... ON CONFLICT DO NOTHING on this key.
        await RawTable.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS training_attendance_once ON training_attendance (session, household)"
        )

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS training_attendance_once")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
