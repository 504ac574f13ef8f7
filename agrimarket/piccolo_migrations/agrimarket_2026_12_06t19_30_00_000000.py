from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
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
DESCRIPTION = (
    "Messages: the in-app inbox, each message's delivery outbox row, households' message "
    "preferences, browsers' Web Push subscriptions and one-time sign-in codes (issue 21)"
)


def _ref(name: str, tablename: str) -> type[Table]:
    return type(name, (Table,), {"id": Serial(primary_key=True)}, tablename=tablename)


Household, User, Message = _ref("Household", "household"), _ref("User", "app_user"), _ref("Message", "message")


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


def _fk(references, **extra):
    return _params(
        references=references, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, **extra
    )


TABLES = {
    ("Message", "message"): [
        ("id", Serial, _params(primary_key=True)),
        ("household", ForeignKey, _fk(Household, null=True, default=None, index=True)),
        ("user", ForeignKey, _fk(User, null=True, default=None, index=True)),
        ("kind", Varchar, _params(length=30, default="")),
        ("text", Text, _params(default="")),
        ("link", Varchar, _params(length=300, default="")),
        ("params", JSON, _params(default="{}")),
        ("urgent", Boolean, _params(default=False)),
        ("cause", Varchar, _params(length=120, default="", unique=True)),
        ("created_at", Timestamptz, _params(index=True)),
        ("read_at", Timestamptz, _params(null=True, default=None)),
    ],
    ("MessageDelivery", "message_delivery"): [
        ("id", Serial, _params(primary_key=True)),
        ("message", ForeignKey, _fk(Message, unique=True)),
        ("phone", Varchar, _params(length=12, default="", index=True)),
        ("status", Varchar, _params(length=10, default="queued", index=True)),
        ("channels", Varchar, _params(length=60, default="")),
        ("attempts", Integer, _params(default=0)),
        ("next_attempt_at", DoublePrecision, _params(default=0.0)),
        ("claimed_until", DoublePrecision, _params(default=0.0)),
        ("claim_token", Varchar, _params(length=32, default="")),
        ("sent_channel", Varchar, _params(length=10, default="")),
        ("provider_id", Varchar, _params(length=100, default="")),
        ("sent_at", Timestamptz, _params(null=True, default=None)),
        ("last_error", Text, _params(default="")),
        ("log", JSON, _params(default="[]")),
        ("updated_at", Timestamptz, _params()),
    ],
    ("MessagePreference", "message_preference"): [
        ("id", Serial, _params(primary_key=True)),
        ("household", ForeignKey, _fk(Household, unique=True)),
        ("channel", Varchar, _params(length=10, default="zalo")),
        ("muted_kinds", Varchar, _params(length=400, default="")),
        ("updated_at", Timestamptz, _params()),
    ],
    ("PushSubscription", "push_subscription"): [
        ("id", Serial, _params(primary_key=True)),
        ("user", ForeignKey, _fk(User, index=True)),
        ("endpoint", Varchar, _params(length=500, default="", unique=True)),
        ("p256dh", Varchar, _params(length=120, default="")),
        ("auth", Varchar, _params(length=40, default="")),
        ("created_at", Timestamptz, _params()),
    ],
    ("SignInCode", "sign_in_code"): [
        ("id", Serial, _params(primary_key=True)),
        ("phone", Varchar, _params(length=12, default="", index=True)),
        ("user", ForeignKey, _fk(User, index=True)),
        ("code_hash", Varchar, _params(length=64, default="")),
        ("created_at", Timestamptz, _params()),
        ("expires_at", Timestamptz, _params()),
        ("used_at", Timestamptz, _params(null=True, default=None)),
        ("wrong_tries", Integer, _params(default=0)),
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
