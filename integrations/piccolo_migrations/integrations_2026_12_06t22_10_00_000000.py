from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T22:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Orders: when the seller was told the deadline to act is near (once per order)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    manager.add_column(
        table_class_name="MarketplaceOrder",
        tablename="marketplace_order",
        column_name="deadline_warned_at",
        db_column_name="deadline_warned_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
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
