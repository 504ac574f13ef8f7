from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T22:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The processing log: every read of households' personal data by someone else (issue 26)"


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


TABLES = {
    ("DataAccess", "data_access"): [
        ("id", Serial, _params(primary_key=True)),
        ("at", Timestamptz, _params(index=True)),
        ("user_id", Integer, _params(null=True, default=None)),
        ("user_name", Varchar, _params(length=120, default="")),
        ("role", Varchar, _params(length=20, default="")),
        ("what", Varchar, _params(length=200, default="")),
        ("reason", Text, _params(default="")),
        ("subjects", Integer, _params(default=0)),
        ("digest", Varchar, _params(length=32, default="")),
    ],
    ("DataAccessSubject", "data_access_subject"): [
        ("id", Serial, _params(primary_key=True)),
        ("access", Integer, _params(default=0)),
        ("household", Integer, _params(default=0)),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agrimarket", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
