from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-23T21:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Packing facilities (cơ sở đóng gói) with official codes and status; a batch's packing facility"


def _ref(name: str, tablename: str) -> type[Table]:
    return type(name, (Table,), {"id": Serial(primary_key=True)}, tablename=tablename)


Commune = type(
    "Commune", (Table,), {"code": Varchar(length=5, primary_key=True)}, tablename="commune"
)
Household, Cooperative, User = (
    _ref("Household", "household"),
    _ref("Cooperative", "cooperative"),
    _ref("User", "app_user"),
)
PackingFacility = _ref("PackingFacility", "packing_facility")


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
    return _params(references=references, on_delete=on_delete, on_update=OnUpdate.cascade, target_column=None, **extra)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)
    manager.add_table(class_name="PackingFacility", tablename="packing_facility", schema=None, columns=None)
    columns = [
        ("id", Serial, _params(primary_key=True)),
        ("name", Varchar, _params(length=150, default="")),
        ("address", Varchar, _params(length=300, default="")),
        ("commune", ForeignKey, _fk(Commune, OnDelete.restrict, index=True, null=True)),  # as Piccolo declares FKs
        ("owner_household", ForeignKey, _fk(Household, OnDelete.restrict, index=True, null=True, default=None)),
        ("owner_cooperative", ForeignKey, _fk(Cooperative, OnDelete.restrict, index=True, null=True, default=None)),
        ("official_code", Varchar, _params(length=40, unique=True, null=True, default=None)),
        ("export_market", Varchar, _params(length=60, null=True, default=None)),
        ("status", Varchar, _params(length=12, default="unverified", index=True)),
        ("status_reason", Text, _params(default="")),
        ("status_changed_at", Timestamptz, _params(null=True, default=None)),
        ("status_changed_by", ForeignKey, _fk(User, OnDelete.set_null, null=True, default=None)),
        ("created_by", ForeignKey, _fk(User, OnDelete.set_null, null=True, default=None)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="PackingFacility",
            tablename="packing_facility",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    # A new nullable column: existing batches name no facility.
    manager.add_column(
        table_class_name="Batch",
        tablename="batch",
        column_name="packing_facility",
        db_column_name="packing_facility",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_fk(PackingFacility, OnDelete.restrict, null=True, default=None),
        schema=None,
    )
    return manager
