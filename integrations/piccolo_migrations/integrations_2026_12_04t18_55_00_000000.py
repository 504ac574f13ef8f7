from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, DoublePrecision, Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T18:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sync under faults: listings needing a check, failures counted per call, rates per call"

_PARAMS = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
    "null": False,
}
COLUMNS = (
    ("Listing", "listing", "needs_check", Boolean, {"default": False}),
    ("Listing", "listing", "check_reason", Varchar, {"default": "", "length": 400}),
    ("SyncJob", "sync_job", "failing_since", DoublePrecision, {"default": 0.0}),
    ("SyncJob", "sync_job", "call_failures", Text, {"default": "{}"}),
)


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    for class_name, tablename, column, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={**_PARAMS, **params},
            schema=None,
        )

    async def run():
        # Shopee's limit is now paced per API call (one listing operation is 3-6 calls), not per operation.
        await RawTable.raw(
            "UPDATE marketplace SET rate_limit_per_s = 15.0 WHERE code = 'shopee' AND rate_limit_per_s = 3.0"
        )

    async def run_backwards():
        await RawTable.raw(
            "UPDATE marketplace SET rate_limit_per_s = 3.0 WHERE code = 'shopee' AND rate_limit_per_s = 15.0"
        )

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
