"""Test set-up: one suite, two engines (TEST_DB=sqlite|postgres), schemas from the migrations.

Each xdist worker gets its own database; each test starts from empty tables (areas kept).
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.preconditions import missing

ENGINE = os.environ.get("TEST_DB", "sqlite")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
RUN_DIR = Path(tempfile.mkdtemp(prefix=f"agm-test-{WORKER}-"))

if ENGINE == "postgres":
    os.environ["DATABASE_URL"] = PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/agm_test_{WORKER}_{os.getpid()}"
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{RUN_DIR / 'test.sqlite'}"
os.environ.update(
    {
        "APP_ENV": "test",
        "MEDIA_STORAGE": "local",
        "MEDIA_DIR": str(RUN_DIR / "media"),
        "PUBLIC_BASE_URL": "http://testserver.local",
        "LOGIN_RATE_LIMIT": "100000/minute",
        # Every test registers its accounts from one address; the limit's own test sets a low one.
        "REGISTER_RATE_LIMIT": "100000/minute",
        "REGISTER_DAILY_LIMIT": "1000000",
        # Sign-in codes likewise (issue 21); their limit's own tests set 3.
        "SIGN_IN_CODES_PER_15_MIN": "1000000",
        # Data requests (issue 26) likewise, and a module's sessions stay fresh for its whole run;
        # their own tests set the limit and move the clock.
        "PRIVACY_REQUESTS_PER_HOUR": "1000000",
        "PRIVACY_FRESH_MINUTES": "1440",
        # Tests scan and resolve stamps far faster than buyers; the limit's own tests set a low one.
        "SCAN_RATE_LIMIT": "100000/minute",
        # PostgreSQL: each app opens a pool in its own event loop (tests/pg_pools.py); SQLite has none.
        "DB_POOL_SIZE": "5" if ENGINE == "postgres" else "0",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    }
)

# Reference tables every test keeps (loaded once per run); all other tables start each test empty.
PERSISTENT_TABLES = {"province", "commune"}


def transient_tables() -> list[str]:
    """Every table of the registered apps but the persistent ones, children first."""
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    tables = sort_table_classes(Finder().get_table_classes())
    return [t._meta.tablename for t in reversed(tables) if t._meta.tablename not in PERSISTENT_TABLES]


def _piccolo(*args: str) -> None:
    piccolo = Path(sys.executable).parent / "piccolo"
    subprocess.run(
        [str(piccolo), *args],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
        cwd=Path(__file__).parent.parent,
    )


async def _create_pg_database() -> None:
    import asyncpg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
        # A throw-away database need not wait for each commit's WAL flush (fsync on the shared server);
        # a commit is visible to every connection the moment it returns either way.
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await conn.close()


async def _drop_pg_database() -> None:
    import asyncpg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session", autouse=True)
def database():
    """A new database built by the real migrations, with the administrative units loaded."""
    if ENGINE == "postgres":
        try:
            asyncio.run(_create_pg_database())
        except OSError as exc:
            missing(f"PostgreSQL not reachable: {exc}")
        from agrimarket.tables import Product
        from tests.pg_pools import pool_per_loop

        pool_per_loop(Product._meta.db)
    _piccolo("migrations", "forwards", "all")
    _piccolo("agrimarket", "load_areas")
    yield os.environ["DATABASE_URL"]
    if ENGINE == "postgres":
        asyncio.run(_drop_pg_database())


@pytest.fixture(autouse=True)
async def clean_tables(database):
    from agrimarket.tables import Product
    from traceability.stamps.scan_log import BUFFER

    # Scans an earlier test left unwritten name stamps of its own (ids restart with every test).
    await BUFFER.idle()
    BUFFER.discard()
    db = Product._meta.db
    if ENGINE == "postgres":
        await db.run_ddl(_clean_sql())
    else:
        # One transaction: a statement each on its own connection costs a commit (fsync) each.
        async with db.transaction():
            for table in transient_tables():
                await db.run_ddl(f"DELETE FROM {table}")
    shutil.rmtree(RUN_DIR / "media", ignore_errors=True)
    # The mounted simulators' saved state (beside the media folder) names the emptied tables' ids.
    for state in RUN_DIR.glob("sim-*.json"):
        state.unlink(missing_ok=True)
    yield


@functools.cache
def _clean_sql() -> str:
    """PostgreSQL: one round trip that empties every transient table and restarts its ids.

    The effect of ``TRUNCATE <all> RESTART IDENTITY``, at a fraction of the cost: TRUNCATE makes new
    files for each of the ~45 tables and their indexes (~0.3 s a test), while DELETE on the few a
    test wrote (children first) and setval on the sequences it drew from cost next to nothing.
    """
    tables = transient_tables()
    deletes = "\n".join(f"  DELETE FROM {table};" for table in tables)
    owned = ", ".join(f"'{table}'" for table in tables)
    return f"""DO $$ BEGIN
{deletes}
  PERFORM setval(format('%I.%I', s.schemaname, s.sequencename), s.start_value, false)
  FROM pg_sequences s
  JOIN pg_class seq ON seq.relname = s.sequencename AND seq.relnamespace = s.schemaname::regnamespace
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = seq.oid AND d.deptype IN ('a', 'i')
  JOIN pg_class t ON t.oid = d.refobjid
  WHERE s.last_value IS NOT NULL AND t.relname IN ({owned});
END $$"""


# The product's Argon2id parameters (64 MiB, 3 passes, 4 lanes) cost ~0.1 s a hash or a check, and the
# suite registers and signs in thousands of accounts; tests hash with the cheapest Argon2id instead.
# test_password_is_stored_with_the_real_parameters (tests/agrimarket/test_accounts_api.py) keeps the real ones.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    from agrimarket.accounts import passwords

    real = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher, passwords._DUMMY_HASH = CHEAP_HASHER, CHEAP_HASHER.hash("not-a-real-password")
    yield
    passwords._hasher, passwords._DUMMY_HASH = real


@pytest.fixture(scope="session", autouse=True)
def label_polls_without_waiting():
    """Shopee and TikTok make a waybill in the background: the desk asks again every second. The
    simulators make it by the second look, whatever the time, so in tests the looks need no wait."""
    from integrations.adapters.shopee_desk import ShopeeDesk
    from integrations.adapters.tiktok_desk import TiktokDesk

    real = ShopeeDesk.label_poll_s, TiktokDesk.label_poll_s
    ShopeeDesk.label_poll_s = TiktokDesk.label_poll_s = 0.0
    yield
    ShopeeDesk.label_poll_s, TiktokDesk.label_poll_s = real


@pytest.fixture
def real_password_hashing(monkeypatch):
    """The product's own hasher for one test (tests/conftest.py swaps in a cheap one)."""
    from agrimarket.accounts import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())
    monkeypatch.setattr(passwords, "_DUMMY_HASH", passwords._hasher.hash("not-a-real-password"))


@pytest.fixture(scope="session")
def settings(database):
    from agrimarket.settings import Settings

    return Settings()


@pytest.fixture(scope="session")
def app(settings):
    from agrimarket.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(app):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def accounts(client):
    from tests.factories import Accounts

    return Accounts(client)
