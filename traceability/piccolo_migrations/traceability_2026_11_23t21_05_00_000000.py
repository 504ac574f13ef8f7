from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-23T21:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Scratch-off PINs: a per-issuance flag, the PIN's keyed hash and the first verification time"

_PARAMS = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)
    # New columns only, each with a default: existing rows need no rewrite beyond the default.
    manager.add_column(
        table_class_name="StampIssue",
        tablename="stamp_issue",
        column_name="with_pin",
        db_column_name="with_pin",
        column_class_name="Boolean",
        column_class=Boolean,
        params={**_PARAMS, "default": False, "null": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="Stamp",
        tablename="stamp",
        column_name="pin_hash",
        db_column_name="pin_hash",
        column_class_name="Varchar",
        column_class=Varchar,
        params={**_PARAMS, "length": 64, "default": None, "null": True},
        schema=None,
    )
    manager.add_column(
        table_class_name="Stamp",
        tablename="stamp",
        column_name="pin_verified_at",
        db_column_name="pin_verified_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={**_PARAMS, "default": None, "null": True},
        schema=None,
    )
    return manager
