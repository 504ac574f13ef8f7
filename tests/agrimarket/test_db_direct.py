"""Reads and writes that go straight through asyncpg on PostgreSQL (agrimarket.db), and through
Piccolo elsewhere: the same rows as ``raw()``, and a transaction's own connection inside one."""

from __future__ import annotations

import pytest

from agrimarket.db import copy_rows, fetch_direct
from agrimarket.db.direct import _numbered
from agrimarket.tables import Province
from tests.conftest import ENGINE


class Rollback(Exception):
    pass


def test_placeholders_are_numbered_in_order():
    assert _numbered("SELECT {} + {} WHERE a = {}") == "SELECT $1 + $2 WHERE a = $3"
    assert _numbered("SELECT 1") == "SELECT 1"


async def test_rows_are_those_of_raw_read_by_column_name():
    codes = [r["code"] for r in await Province.raw("SELECT code FROM province ORDER BY code LIMIT 2")]
    assert len(codes) == 2  # the administrative units are loaded
    template = "SELECT code, name, {} AS asked FROM province WHERE code IN ({}, {}) ORDER BY code"
    direct = await fetch_direct(Province, template, "x", *codes)
    assert [{key: row[key] for key in ("code", "name", "asked")} for row in direct] == await Province.raw(
        template, "x", *codes
    )


async def test_inside_a_transaction_it_reads_on_the_transaction_connection():
    new = {"code": "ZZ", "name": "Tỉnh thử", "division_type": "tỉnh", "codename": "thu", "search_key": "thu"}
    with pytest.raises(Rollback):
        async with Province._meta.db.transaction():
            await Province.insert(Province(**new))
            rows = await fetch_direct(Province, "SELECT code, name FROM province WHERE code = {}", "ZZ")
            assert [(row["code"], row["name"]) for row in rows] == [("ZZ", "Tỉnh thử")]
            raise Rollback
    assert not await fetch_direct(Province, "SELECT code FROM province WHERE code = {}", "ZZ")


async def test_copy_writes_on_postgresql_and_leaves_other_engines_to_the_caller():
    new = ("ZY", "Tỉnh chép", "tỉnh", "chep", "chep")
    columns = ("code", "name", "division_type", "codename", "search_key")
    with pytest.raises(Rollback):
        async with Province._meta.db.transaction():
            copied = await copy_rows(Province, columns, [new])
            assert copied == (ENGINE == "postgres")
            found = await Province.select(Province.name).where(Province.code == "ZY")
            assert found == ([{"name": "Tỉnh chép"}] if copied else [])
            raise Rollback
