"""Liveness (is the process serving and the database answering) and readiness (can it do its job)."""

from __future__ import annotations

import anyio
import msgspec
from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.tables import Migration

from agrimarket.media.storage import Storage
from agrimarket.startup import DatabaseStartup
from agrimarket.tables import Province

# A probe must answer before the load balancer's own timeout, even when S3 hangs.
CHECK_TIMEOUT_S = 3.0
_migrations_seen_applied = False


class Readiness(msgspec.Struct):
    status: str  # ok | not_ready
    database: str  # ok | error: <reason>
    storage: str
    migrations: str  # ok | <n> pending | unknown
    startup: str = "ok"  # ok | waiting: <step>: <error> (start-up steps that need the database)


@get("/healthz", tags=["ops"])
async def healthz() -> Response[dict]:
    """200 when the database answers, 503 when it does not."""
    try:
        await Province.raw("SELECT 1")
        database = "ok"
    except Exception as exc:  # any driver error means "not reachable" here
        database = f"error: {type(exc).__name__}"
    status = 200 if database == "ok" else 503
    return Response(
        {"status": "ok" if status == 200 else "degraded", "database": database}, status_code=status
    )


async def _pending_migrations() -> int:
    """Migrations found in the code but not recorded as run in the database."""
    manager = BaseMigrationManager()
    expected = {
        (module.APP_CONFIG.app_name, migration_id)
        for module in manager.get_app_modules()
        for migration_id in manager.get_migration_ids(
            manager.get_migration_modules(module.APP_CONFIG.resolved_migrations_folder_path)
        )
    }
    ran = {
        (row["app_name"], row["name"]) for row in await Migration.select(Migration.app_name, Migration.name)
    }
    return len(expected - ran)


async def _check(probe) -> str:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            await probe()
        return "ok"
    except TimeoutError:
        return "error: timeout"
    except Exception as exc:  # the probe's only job is to say what is wrong
        return f"error: {type(exc).__name__}"


async def _migrations() -> str:
    global _migrations_seen_applied
    # Migrations only ever get added with new code, i.e. a new process: once applied, stop asking.
    if _migrations_seen_applied:
        return "ok"
    try:
        pending = await _pending_migrations()
    except Exception as exc:  # no migration table yet, or no database
        return f"unknown: {type(exc).__name__}"
    _migrations_seen_applied = pending == 0
    return "ok" if pending == 0 else f"{pending} pending"


@get(
    "/readyz",
    tags=["ops"],
    responses={503: ResponseSpec(data_container=Readiness, description="Not ready; each field says why")},
)
async def readyz(storage: Storage, database_startup: DatabaseStartup) -> Response[Readiness]:
    """200 when the database answers, media storage is writable, every migration has run and the
    start-up steps that need the database (pool, seeds) are done.

    Load balancers send traffic only to ready processes; 503 names the failing part.
    """
    database = await _check(lambda: Province.raw("SELECT 1"))
    storage_state = await _check(storage.check)
    migrations = await _migrations() if database == "ok" else "unknown"
    startup = "ok" if database_startup.done else f"waiting: {database_startup.waiting_for}"
    ready = database == storage_state == migrations == startup == "ok"
    body = Readiness(
        status="ok" if ready else "not_ready",
        database=database,
        storage=storage_state,
        migrations=migrations,
        startup=startup,
    )
    return Response(body, status_code=200 if ready else 503)
