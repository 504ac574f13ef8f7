from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-23T20:14:56:055988"
VERSION = "1.38.0"
DESCRIPTION = "Stamp scan counters: scans and distinct clients"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="traceability", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Stamp",
        tablename="stamp",
        column_name="client_count",
        db_column_name="client_count",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Stamp",
        tablename="stamp",
        column_name="scan_count",
        db_column_name="scan_count",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
