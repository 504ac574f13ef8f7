from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-23T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Minimum data (Circular 02/2024): a batch's brand and declared standards"

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


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)
    # New columns with an empty default: existing batches stay valid and simply show nothing.
    for column, length in (("brand", 100), ("standards", 200)):
        manager.add_column(
            table_class_name="Batch",
            tablename="batch",
            column_name=column,
            db_column_name=column,
            column_class_name="Varchar",
            column_class=Varchar,
            params={**_PARAMS, "length": length, "default": ""},
            schema=None,
        )
    return manager
