from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-06T22:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Personal data (issue 26): consents per purpose and notice version, households' deletion "
    "requests, the moment a session last confirmed its password or code, and the audit log's one "
    "allowed update: redacting an entry of an erased household, once"
)

# The audit log stays append-only but for one update per entry: setting ``redacted`` (once) with
# the identifiers blanked, every column saying what happened, when, to what and by whom unchanged.
KEPT = ("id", "at", "user_id", "role", "entity", "entity_id", "action", "household", "cooperative")
SQLITE = f"""
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry
WHEN NOT (OLD.redacted = 0 AND NEW.redacted = 1 AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)})
BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END
"""
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT OLD.redacted AND NEW.redacted
     AND {" AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in KEPT)} THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_entry is append-only';
END $$
"""


class RawTable(Table):
    pass


def _ref(name: str, tablename: str) -> type[Table]:
    return type(name, (Table,), {"id": Serial(primary_key=True)}, tablename=tablename)


Household, User = _ref("Household", "household"), _ref("User", "app_user")


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
    ("Consent", "consent"): [
        ("id", Serial, _params(primary_key=True)),
        ("user", ForeignKey, _fk(User, index=True)),
        ("household", ForeignKey, _fk(Household, null=True, default=None, index=True)),
        ("purpose", Varchar, _params(length=30, default="")),
        ("granted", Boolean, _params(default=False)),
        ("notice_version", Varchar, _params(length=20, default="")),
        ("at", Timestamptz, _params(index=True)),
    ],
    ("DeletionRequest", "deletion_request"): [
        ("id", Serial, _params(primary_key=True)),
        ("household", Integer, _params(default=0, index=True)),
        ("user_id", Integer, _params(default=0)),
        ("status", Varchar, _params(length=10, default="pending", index=True)),
        ("requested_at", Timestamptz, _params()),
        ("erase_after", Timestamptz, _params(index=True)),
        ("done_at", Timestamptz, _params(null=True, default=None)),
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
    manager.add_column(
        table_class_name="AuditEntry",
        tablename="audit_entry",
        column_name="redacted",
        db_column_name="redacted",
        column_class_name="Boolean",
        column_class=Boolean,
        params=_params(default=False),
        schema=None,
    )

    async def replace_trigger():
        # Raw steps run before the columns are added; the trigger's body is resolved when it fires.
        if RawTable._meta.db.engine_type == "postgres":
            await RawTable.raw(POSTGRES_FUNCTION)
        else:
            await RawTable.raw("DROP TRIGGER IF EXISTS audit_entry_append_only")
            await RawTable.raw(SQLITE)

    manager.add_raw(replace_trigger)
    manager.add_column(
        table_class_name="AuthSession",
        tablename="auth_session",
        column_name="confirmed_at",
        db_column_name="confirmed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(null=True, default=None),
        schema=None,
    )
    return manager
