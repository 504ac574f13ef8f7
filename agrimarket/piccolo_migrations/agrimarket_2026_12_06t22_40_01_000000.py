from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T22:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "The processing log: a household's looks are one index range (household, access), and neither "
    "table takes an UPDATE"
)

INDEX = "CREATE INDEX IF NOT EXISTS data_access_subject_household ON data_access_subject (household, access)"
TABLES = ("data_access", "data_access_subject")


def _sqlite_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    )


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION data_access_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$
"""


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agrimarket", description=DESCRIPTION)

    async def run():
        await RawTable.raw(INDEX)
        if RawTable._meta.db.engine_type == "postgres":
            await RawTable.raw(POSTGRES_FUNCTION)
            for table in TABLES:
                await RawTable.raw(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                await RawTable.raw(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION data_access_append_only()"
                )
        else:
            for table in TABLES:
                await RawTable.raw(_sqlite_trigger(table))

    async def run_backwards():
        await RawTable.raw("DROP INDEX IF EXISTS data_access_subject_household")
        for table in TABLES:
            if RawTable._meta.db.engine_type == "postgres":
                await RawTable.raw(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            else:
                await RawTable.raw(f"DROP TRIGGER IF EXISTS {table}_append_only")
        if RawTable._meta.db.engine_type == "postgres":
            await RawTable.raw("DROP FUNCTION IF EXISTS data_access_append_only()")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
