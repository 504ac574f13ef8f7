"""The shape of "My data": sections of rows, one per table, read by the app that owns the table.

The core reads its own tables (``agrimarket.privacy.my_data``); traceability and integrations read
theirs through the query port ``QueryPorts.data_parts`` (``agrimarket.ports``), filled by their
plugins, and erase theirs by subscribing to ``HouseholdErased`` (``agrimarket.events``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.table import Table

# Never shown, not even to the subject: hashes and keys that would only help an attacker.
SECRET_COLUMNS = frozenset(
    {"password_hash", "token_hash", "code_hash", "claim_token", "credentials", "p256dh", "auth"}
)


class DataSection(msgspec.Struct):
    key: str  # the table's name
    title: str  # what it is, Vietnamese / English
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Subject:
    """Whose data: the account and its household (None for an account without one)."""

    user_id: int
    household_id: int | None


@dataclass(frozen=True)
class DataPart:
    """One app's share of a subject's data: ``covers`` names each "table.column" holding a
    household or user id that ``read`` answers for (the export's coverage test checks them)."""

    covers: tuple[str, ...]
    read: Callable[[Subject], Awaitable[list[DataSection]]]


async def rows_of(table: type[Table], where: Any, omit: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every row of ``table`` matching ``where``, every column but the secret ones and ``omit``."""
    columns: list[Column] = [
        c for c in table._meta.columns if c._meta.name not in SECRET_COLUMNS and c._meta.name not in omit
    ]
    return await table.select(*columns).where(where).order_by(table._meta.primary_key)


async def rows_in(
    table: type[Table], column: Column, ids: Sequence[int], omit: Sequence[str] = ()
) -> list[dict]:
    """``rows_of`` for the rows whose ``column`` is one of ``ids`` (none for no ids)."""
    return await rows_of(table, column.is_in(list(ids)), omit) if ids else []


def section(key: str, title: str, rows: list[dict[str, Any]]) -> DataSection:
    return DataSection(key=key, title=title, rows=rows)
