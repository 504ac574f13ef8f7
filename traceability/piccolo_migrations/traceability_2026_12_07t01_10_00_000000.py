from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T01:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Stamp issuances: whether their QR codes carry a GS1 Digital Link instead of the short URL"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)
    # Issuances made before printed the short /T/{serial} URL: false keeps them rendering alike.
    manager.add_column(
        table_class_name="StampIssue",
        tablename="stamp_issue",
        column_name="digital_link",
        db_column_name="digital_link",
        column_class_name=Boolean.__name__,
        column_class=Boolean,
        params={
            "default": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
            "null": False,
        },
        schema=None,
    )
    return manager
