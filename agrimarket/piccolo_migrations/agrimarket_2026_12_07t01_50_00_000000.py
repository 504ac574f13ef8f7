from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T01:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Product: the farmer's answers to a marketplace's mandatory attributes (Shopee: origin, shelf life)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agrimarket", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Product",
        tablename="product",
        column_name="marketplace_attributes",
        db_column_name="marketplace_attributes",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "{}",
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
