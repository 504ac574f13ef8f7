"""A database that cannot be reached, for tests of what background loops and start-up do then."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from agrimarket.db import build_engine
from tests.conftest import ENGINE
from tests.scale_out.processes import free_port

SECONDS_PER_POLL = 5  # what a fake clock advances per logged failure in these tests


def unreachable_engine(settings, folder: Path) -> Engine:
    """PostgreSQL: a port where nothing listens; SQLite: a file that is a folder (cannot be opened)."""
    if ENGINE == "postgres":
        url = f"postgres://postgres@127.0.0.1:{free_port()}/agm"
        return build_engine(dataclasses.replace(settings, database_url=url))
    return SQLiteEngine(path=str(folder))


def database_url(engine: Engine) -> str:
    """The DATABASE_URL of ``engine``, for an app given the settings of the database that is down."""
    if isinstance(engine, SQLiteEngine):
        return f"sqlite:///{engine.path}"
    config = engine.config
    return f"postgres://{config['user']}@{config['host']}:{config['port']}/{config['database']}"


def tick_per_failure(monkeypatch) -> None:
    """The failure log's clock moves SECONDS_PER_POLL per reading: minutes of polls in milliseconds."""
    from agrimarket import repeated_failure

    now = [0.0]

    def tick() -> float:
        now[0] += SECONDS_PER_POLL
        return now[0]

    monkeypatch.setattr(repeated_failure, "_now", tick)


def assert_no_storm(records: list[logging.LogRecord], what: str, failures: int) -> None:
    """One traceback, then short lines at most one a minute (on the fake clock), then a recovery line."""
    mine = [r for r in records if r.getMessage().startswith(what)]
    assert mine[0].levelname == "ERROR" and mine[0].exc_info is not None, mine[0].getMessage()
    reminders = mine[1:-1]
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in reminders)
    assert all("still failing" in r.getMessage() for r in reminders)
    assert 1 <= len(reminders) <= failures * SECONDS_PER_POLL // 60 + 1, [r.getMessage() for r in mine]
    assert mine[-1].levelname == "INFO" and "recovered after" in mine[-1].getMessage()
    assert sum(r.exc_info is not None for r in records) == 1  # one traceback in all
