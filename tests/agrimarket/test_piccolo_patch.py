"""The Piccolo internals agrimarket.db.piccolo_patch relies on are still there, in the same shape.

The patch re-implements ``PostgresTransaction.__aenter__``/``__aexit__`` and overrides private
methods; a Piccolo release that renames or reshapes any of them must fail here, loudly, rather than
leave transactions that never release their connection. Runs on both engines (no database needed).
"""

from __future__ import annotations

import inspect
import tomllib
from contextvars import ContextVar
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

from packaging.requirements import Requirement
from packaging.version import Version
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from agrimarket.db.piccolo_patch import ResilientPostgresEngine, ResilientTransaction

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_installed_piccolo_is_inside_the_range_the_patch_was_verified_against():
    pinned = next(
        Requirement(line)
        for line in tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
        if Requirement(line).name == "piccolo"
    )
    assert str(pinned.specifier) == "<1.39,>=1.38.0", "re-verify piccolo_patch.py before widening the range"
    assert Version(metadata.version("piccolo")) in pinned.specifier


def test_the_transaction_state_the_patch_reads_is_still_piccolo_s():
    # Piccolo declares its transaction's attributes in __slots__: each one the patch reads or sets.
    for name in ("engine", "transaction", "context", "connection", "_parent", "_committed", "_rolled_back"):
        assert name in PostgresTransaction.__slots__, name
    assert parameters(PostgresTransaction.__init__) == ["self", "engine", "allow_nested"]
    for method in ("get_connection", "begin", "commit", "rollback"):
        assert parameters(getattr(PostgresTransaction, method)) == ["self"], method
        assert inspect.iscoroutinefunction(getattr(PostgresTransaction, method)), method
    assert parameters(PostgresTransaction.__aexit__) == ["self", "exception_type", "exception", "traceback"]


def test_the_engine_methods_the_patch_overrides_or_calls_keep_their_signatures():
    assert parameters(PostgresEngine.transaction) == ["self", "allow_nested"]
    assert parameters(PostgresEngine._run_in_new_connection) == ["self", "query", "args"]
    assert inspect.iscoroutinefunction(PostgresEngine._run_in_new_connection)
    assert parameters(PostgresEngine.get_new_connection) == ["self"]
    assert parameters(PostgresEngine.start_connection_pool) == ["self", "kwargs"]
    assert parameters(PostgresEngine.close_connection_pool) == ["self"]
    assert parameters(Engine.transaction_exists) == ["self"]
    # The engine keeps its connection settings, pool and current transaction in these attributes.
    assert {"config", "pool"} <= set(PostgresEngine.__slots__)
    assert "self.current_transaction = contextvars.ContextVar(" in inspect.getsource(PostgresEngine.__init__)
    # write_transaction's SQLite side.
    assert TransactionType.immediate.value == "IMMEDIATE"
    assert "transaction_type" in parameters(SQLiteEngine.transaction)


def test_the_patched_classes_are_the_ones_the_engine_hands_out():
    # An engine's bare bones: a real one would contact its server to read the version.
    engine = SimpleNamespace(current_transaction=ContextVar("current_transaction", default=None))
    transaction = ResilientPostgresEngine.transaction(engine)  # type: ignore[arg-type]
    assert type(transaction) is ResilientTransaction and transaction.engine is engine
    assert transaction._parent is None and not transaction._committed and not transaction._rolled_back
