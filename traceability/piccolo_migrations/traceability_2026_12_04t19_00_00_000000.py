from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Stamp issuances: the bytes of their files (disk budget) and when old files were removed"


def _params(**extra):
    return {
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        "null": False,
    } | extra


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)
    # Files rendered before keep 0 bytes: the budget counts them at its per-stamp estimate
    # (see traceability.stamps.budget).
    for name, column_class, params in (
        ("file_bytes", BigInt, _params(default=0)),
        ("files_removed_at", Timestamptz, _params(null=True, default=None)),
    ):
        manager.add_column(
            table_class_name="StampIssue",
            tablename="stamp_issue",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
