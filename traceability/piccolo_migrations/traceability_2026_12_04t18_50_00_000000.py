from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T18:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Counterfeit evidence a burst cannot fake: scans carry their client network and day; each stamp's "
    "networks (stamp_network), its distinct networks and spread days, and a review baseline"
)

Stamp = type("Stamp", (Table,), {"id": Serial(primary_key=True)}, tablename="stamp")


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
    columns = [
        ("Scan", "scan", "network_hash", Varchar, _params(length=64, default="")),
        ("Scan", "scan", "day", Integer, _params(default=0)),
        ("Stamp", "stamp", "network_count", Integer, _params(default=0)),
        ("Stamp", "stamp", "spread_days", Integer, _params(default=0)),
        ("Stamp", "stamp", "reviewed_networks", Integer, _params(default=0)),
        ("Stamp", "stamp", "reviewed_days", Integer, _params(default=0)),
        ("Stamp", "stamp", "scans_reviewed_at", Timestamptz, _params(null=True, default=None)),
    ]
    for class_name, tablename, name, column_class, params in columns:
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
    manager.add_table(class_name="StampNetwork", tablename="stamp_network", schema=None, columns=None)
    network_columns = [
        ("id", Serial, _params(primary_key=True)),
        (
            "stamp",
            ForeignKey,
            _params(
                references=Stamp, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None
            ),
        ),
        ("network_hash", Varchar, _params(length=64, default="")),
        ("first_day", Integer, _params(default=0)),
        ("first_scan", Integer, _params(default=0)),
    ]
    for name, column_class, params in network_columns:
        manager.add_column(
            table_class_name="StampNetwork",
            tablename="stamp_network",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    return manager
