from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Bytea, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T22:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Idempotency keys: a write sent again with the same key gets the first answer (issue 22)"


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


COLUMNS = [
    ("id", Serial, _params(primary_key=True)),
    ("user_id", Integer, _params(default=0)),
    ("key", Varchar, _params(length=100, default="")),
    ("fingerprint", Varchar, _params(length=64, default="")),
    ("status_code", Integer, _params(default=0)),
    ("headers", JSON, _params(default="{}")),
    ("body", Bytea, _params(default=b"")),
    ("created_at", Timestamptz, _params()),
    ("expires_at", Timestamptz, _params(index=True)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agrimarket", description=DESCRIPTION)
    manager.add_table(class_name="IdempotentRequest", tablename="idempotent_request", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="IdempotentRequest",
            tablename="idempotent_request",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    return manager
