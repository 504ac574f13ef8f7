from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-23T21:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One step back, one step forward: a batch's suppliers and recipients (batch_partner)"


class Batch(Table, tablename="batch", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree)


class Household(Table, tablename="household", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree)


class User(Table, tablename="app_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree)


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


def _fk(references, on_delete, **extra):
    return _params(
        references=references,
        on_delete=on_delete,
        on_update=OnUpdate.cascade,
        target_column=None,
        **extra,
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)
    manager.add_table(class_name="BatchPartner", tablename="batch_partner", schema=None, columns=None)
    columns = [
        ("id", Serial, _params(primary_key=True)),
        ("batch", ForeignKey, _fk(Batch, OnDelete.cascade, index=True, null=True)),  # Piccolo FKs are nullable
        ("direction", Varchar, _params(length=10, default="")),
        ("kind", Varchar, _params(length=20, default="")),
        ("household", ForeignKey, _fk(Household, OnDelete.set_null, null=True, default=None)),
        ("name", Varchar, _params(length=150, default="")),
        ("code", Varchar, _params(length=40, default="")),
        ("address", Varchar, _params(length=300, default="")),
        ("on_date", Date, _params(default=DateNow())),
        ("created_by", ForeignKey, _fk(User, OnDelete.set_null, null=True, default=None)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="BatchPartner",
            tablename="batch_partner",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
