from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Order desk: each order's deadline to act, payment (COD or prepaid) and delivery commune"

_PARAMS = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}
# Orders recorded before the desk keep NULL / "": the inbox shows no deadline for them.
COLUMNS = (
    ("act_by", Timestamptz, {"default": None, "null": True}),
    ("payment", Varchar, {"default": None, "null": True, "length": 7}),
    ("commune", Varchar, {"default": "", "null": False, "length": 100}),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    for column, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="MarketplaceOrder",
            tablename="marketplace_order",
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={**_PARAMS, **params},
            schema=None,
        )
    return manager
