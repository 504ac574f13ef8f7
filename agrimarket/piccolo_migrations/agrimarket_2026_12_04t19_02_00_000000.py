from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T19:02:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Membership by consent: cooperative invitations, account claims (assisted sign-up), the "
    "cooperative register status, who ended a membership; existing members stay members and "
    "existing cooperatives start unverified"
)


def _ref(name: str, tablename: str) -> type[Table]:
    return type(name, (Table,), {"id": Serial(primary_key=True)}, tablename=tablename)


Household, Cooperative = _ref("Household", "household"), _ref("Cooperative", "cooperative")


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
        references=references,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        index=True,
        **extra,
    )


TABLES = {
    ("CoopInvitation", "coop_invitation"): [
        ("id", Serial, _params(primary_key=True)),
        ("cooperative", ForeignKey, _fk(Cooperative)),
        ("household", ForeignKey, _fk(Household)),
        ("invited_by", Integer, _params(null=True, default=None)),
        ("approved_by", Integer, _params(null=True, default=None)),
        ("status", Varchar, _params(length=20, default="pending", index=True)),
        ("created_at", Timestamptz, _params()),
        ("expires_at", Timestamptz, _params()),
        ("decided_at", Timestamptz, _params(null=True, default=None)),
    ],
    ("AccountClaim", "account_claim"): [
        ("id", Serial, _params(primary_key=True)),
        ("household", ForeignKey, _fk(Household)),
        ("full_name", Varchar, _params(length=120, default="")),
        ("password_hash", Varchar, _params(length=200, default="")),
        ("code_hash", Varchar, _params(length=64, default="")),
        ("wrong_codes", Integer, _params(default=0)),
        ("status", Varchar, _params(length=10, default="pending", index=True)),
        ("created_at", Timestamptz, _params()),
        ("decided_by", Integer, _params(null=True, default=None)),
        ("decided_at", Timestamptz, _params(null=True, default=None)),
    ],
}
# New columns of existing tables: the defaults are what existing rows get.
COLUMNS = {
    ("Cooperative", "cooperative"): [
        # Nobody checked the cooperatives registered so far: unverified until an officer does.
        ("status", Varchar, _params(length=12, default="unverified", index=True)),
        ("status_reason", Text, _params(default="")),
        ("status_changed_at", Timestamptz, _params(null=True, default=None)),
        ("status_changed_by", Integer, _params(null=True, default=None)),
    ],
    # Current members keep their membership (household.cooperative is left as it is).
    ("CoopMembership", "coop_membership"): [
        ("ended_by", Varchar, _params(length=12, default="")),
        ("delisted", Integer, _params(default=0)),
    ],
    ("User", "app_user"): [("assisted_by", Integer, _params(null=True, default=None))],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agrimarket", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
    for (class_name, tablename), columns in (TABLES | COLUMNS).items():
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
