"""Spreadsheet bombs: 84 KB XLSX files that ask openpyxl for millions of shared strings or cells,
uploaded as a training's attendance list and as a household import. Refused (413) before openpyxl
reads them: in milliseconds of CPU, where the first one used to cost 11 s."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from agrimarket.accounts.actor import Role
from agrimarket.households.xlsx_limits import MAX_CELLS, MAX_SHARED_STRINGS
from agrimarket.tables import Household, TrainingAttendance
from tests.agrimarket.training.test_training import URL, session_body

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
MILLIONS = 2_000_000
HEADER_CELLS = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'


def workbook(shared: bytes, cells: bytes = HEADER_CELLS) -> bytes:
    """A minimal XLSX (as Excel lays it out) with the given shared strings and first-sheet cells."""
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{PKG}/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Diem danh" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
        + cells
        + b"</sheetData></worksheet>",
        "xl/sharedStrings.xml": shared,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def strings(entries: bytes, declared: int, prefix: str = "") -> bytes:
    tag = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    head = f'<{tag}sst {xmlns} count="{declared}" uniqueCount="{declared}">'
    known = f"<{tag}si><{tag}t>Số điện thoại</{tag}t></{tag}si><{tag}si><{tag}t>0912345678</{tag}t></{tag}si>"
    return (head + known).encode() + entries + f"</{tag}sst>".encode()


BOMBS = {
    # The file: 2 million one-letter strings, honestly counted (34 MB inflated).
    "2M-strings": lambda: workbook(strings(b"<si><t>x</t></si>" * MILLIONS, MILLIONS + 2)),
    # Empty entries stay under the size limit (10 MB); the declared count gives them away.
    "2M-empty-strings": lambda: workbook(strings(b"<si/>" * MILLIONS, MILLIONS + 2)),
    # The same declaring 2 entries, with a namespace prefix: counted while inflating.
    "lying-count": lambda: workbook(strings(b"<x:si/>" * MILLIONS, 2, prefix="x")),
    # A sane string table and 2 million empty cells in one row.
    "2M-cells": lambda: workbook(
        strings(b"", 2), HEADER_CELLS + b'<row r="3">' + b"<c/>" * MILLIONS + b"</row>"
    ),
}


@pytest.fixture(scope="module", params=sorted(BOMBS))
def bomb(request) -> tuple[str, bytes]:
    data = BOMBS[request.param]()
    assert len(data) < 150_000  # small enough to upload anywhere
    return request.param, data


async def _timed(coroutine):
    started = time.process_time()
    response = await coroutine
    return response, time.process_time() - started


def _assert_refused_fast(response, cpu_seconds: float, name: str) -> None:
    assert response.status_code == 413, (name, response.text)
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert error["message"].startswith("Tệp Excel có quá nhiều")
    # Loose: the work is a few megabytes of inflating (milliseconds); the bomb itself took 11 s.
    assert cpu_seconds < 2, (name, cpu_seconds)


async def test_attendance_list_bomb_is_refused_before_it_is_read(client, accounts, bomb):
    name, data = bomb
    manager, _ = await accounts.coop_manager()
    made = await client.post(URL, json=session_body(), headers=manager.headers)
    url = f"{URL}{made.json()['id']}/attendance"
    response, cpu = await _timed(
        client.post(url, files={"file": ("diem-danh.xlsx", data)}, headers=manager.headers)
    )
    _assert_refused_fast(response, cpu, name)
    assert await TrainingAttendance.count() == 0


async def test_household_import_bomb_is_refused_before_it_is_read(client, accounts, bomb):
    name, data = bomb
    officer = await accounts.staff(Role.OFFICER, "31")
    response, cpu = await _timed(
        client.post("/api/v1/household-imports/", files={"file": ("ho.xlsx", data)}, headers=officer.headers)
    )
    _assert_refused_fast(response, cpu, name)
    assert await Household.count() == 0


async def test_a_list_at_the_limits_is_still_read(client, accounts):
    """Just under both limits (in a cheap shape): read, and the one phone column found."""
    manager, _ = await accounts.coop_manager()
    made = await client.post(URL, json=session_body(), headers=manager.headers)
    table = strings(b"<si/>" * (MAX_SHARED_STRINGS - 2), MAX_SHARED_STRINGS)
    cells = HEADER_CELLS + b'<row r="3">' + b"<c/>" * (MAX_CELLS // 100) + b"</row>"
    response = await client.post(
        f"{URL}{made.json()['id']}/attendance",
        files={"file": ("diem-danh.xlsx", workbook(table, cells))},
        headers=manager.headers,
    )
    assert response.status_code == 200, response.text
    assert [r["phone"] for r in response.json()["rejected"]] == ["0912345678"]
