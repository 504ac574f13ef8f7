from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    BigInt,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-06T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Order desk: each order's stage, tracking, fees and payout; stage rows in the timeline; the order action outbox"


class MarketplaceOrder(Table, tablename="marketplace_order", schema=None):
    id = Serial(primary_key=True)


class Marketplace(Table, tablename="marketplace", schema=None):
    id = Serial(primary_key=True)


class User(Table, tablename="app_user", schema=None):
    id = Serial(primary_key=True)


_PARAMS = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


def _fk(references, on_delete, null: bool, index: bool) -> dict:
    return {
        "references": references,
        "on_delete": on_delete,
        "on_update": OnUpdate.cascade,
        "target_column": None,
        "default": None,
        "null": null,
        "index": index,
    }


ORDER_COLUMNS = (
    ("stage", Varchar, {"default": "", "length": 20}),
    ("stage_at", Timestamptz, {"default": None, "null": True}),
    ("tracking_number", Varchar, {"default": "", "length": 60}),
    ("carrier", Varchar, {"default": "", "length": 60}),
    ("fees_vnd", BigInt, {"default": None, "null": True}),
    ("payout_vnd", BigInt, {"default": None, "null": True}),
    ("paid_out", Boolean, {"default": False}),
    ("restocked_at", Timestamptz, {"default": None, "null": True}),
)
CHANGE_COLUMNS = (
    ("from_stage", Varchar, {"default": "", "length": 20}),
    ("to_stage", Varchar, {"default": "", "length": 20}),
    ("recorded_at", Timestamptz, {"default": None, "null": True}),
)
ACTION_COLUMNS = (
    ("id", Serial, {"primary_key": True}),
    ("order", ForeignKey, _fk(MarketplaceOrder, OnDelete.cascade, null=False, index=True)),
    ("marketplace", ForeignKey, _fk(Marketplace, OnDelete.restrict, null=False, index=False)),
    ("kind", Varchar, {"default": "", "length": 20}),
    ("parameters", Text, {"default": "{}"}),
    ("idempotency_key", Varchar, {"default": "", "length": 100}),
    ("actor", ForeignKey, _fk(User, OnDelete.set_null, null=True, index=False)),
    ("status", Varchar, {"default": "queued", "length": 10, "index": True}),
    ("attempts", Integer, {"default": 0}),
    ("failing_since", DoublePrecision, {"default": 0.0}),
    ("next_attempt_at", DoublePrecision, {"default": 0.0, "index": True}),
    ("claimed_until", DoublePrecision, {"default": 0.0}),
    ("claim_token", Varchar, {"default": "", "length": 40}),
    ("last_error", Text, {"default": ""}),
    ("reason_vi", Varchar, {"default": "", "length": 400}),
    ("reason_en", Varchar, {"default": "", "length": 400}),
    ("result", Text, {"default": "{}"}),
    ("requested_at", Timestamptz, {"default": None}),
    ("done_at", Timestamptz, {"default": None, "null": True}),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    for table_class, tablename, columns in (
        ("MarketplaceOrder", "marketplace_order", ORDER_COLUMNS),
        ("OrderStatusChange", "order_status_change", CHANGE_COLUMNS),
    ):
        for column, column_class, params in columns:
            manager.add_column(
                table_class_name=table_class,
                tablename=tablename,
                column_name=column,
                db_column_name=column,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params={**_PARAMS, **params},
                schema=None,
            )
    manager.add_table(class_name="OrderAction", tablename="order_action", schema=None, columns=None)
    for column, column_class, params in ACTION_COLUMNS:
        manager.add_column(
            table_class_name="OrderAction",
            tablename="order_action",
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={**_PARAMS, **params},
            schema=None,
        )

    return manager
