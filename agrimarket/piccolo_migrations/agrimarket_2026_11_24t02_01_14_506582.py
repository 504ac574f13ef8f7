from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-24T02:01:14:506582"
VERSION = "1.38.0"
DESCRIPTION = "Product: weight of one selling unit in grams (marketplaces price shipping by it)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="agrimarket", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Product",
        tablename="product",
        column_name="unit_weight_g",
        db_column_name="unit_weight_g",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
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
