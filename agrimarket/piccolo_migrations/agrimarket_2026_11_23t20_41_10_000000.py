from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T20:41:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "The audit log refuses UPDATE: an entry, once written, stays as written"

SQLITE = """
CREATE TRIGGER IF NOT EXISTS audit_entry_append_only BEFORE UPDATE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END
"""
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
"""


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agrimarket", description=DESCRIPTION)

    async def run():
        if RawTable._meta.db.engine_type == "postgres":
            await RawTable.raw(POSTGRES_FUNCTION)
            await RawTable.raw("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
            await RawTable.raw(POSTGRES_TRIGGER)
        else:
            await RawTable.raw(SQLITE)

    async def run_backwards():
        if RawTable._meta.db.engine_type == "postgres":
            await RawTable.raw("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
            await RawTable.raw("DROP FUNCTION IF EXISTS audit_entry_append_only()")
        else:
            await RawTable.raw("DROP TRIGGER IF EXISTS audit_entry_append_only")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
