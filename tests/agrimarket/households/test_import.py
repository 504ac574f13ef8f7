"""Bulk household import: validation with reasons, scope, idempotence, safe file handling."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook

from agrimarket.accounts.actor import Role
from agrimarket.tables import CoopMembership, Household
from tests.factories import new_phone
from tests.waiting import until

HEADER = ["Họ tên chủ hộ", "Số điện thoại", "Địa chỉ", "Xã/phường", "Tỉnh", "Mã Vpost", "MST HTX"]


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[object]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


async def upload(client, session, name: str, data: bytes):
    return await client.post(
        "/api/v1/household-imports/", files={"file": (name, data)}, headers=session.headers
    )


async def finished(client, session, job_id: int) -> dict:
    async def done() -> dict | None:
        job = (await client.get(f"/api/v1/household-imports/{job_id}", headers=session.headers)).json()
        return job if job["status"] != "running" else None

    return await until(done, timeout=10, every=0.05, what="the import to finish")


async def test_import_validates_rows_and_reports_reasons(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    coop_tax = (await client.get(f"/api/v1/cooperatives/{coop_id}", headers=manager.headers)).json()[
        "tax_code"
    ]
    officer = await accounts.staff(Role.OFFICER, "31")
    good = [new_phone() for _ in range(3)]
    rows = [
        ["Nguyễn Văn Một", good[0], "Thôn 1", "11914", "", "", ""],
        [
            "Trần Thị Hai",
            int(good[1]),
            "",
            "Cat Hai",
            "Hai Phong",
            "VN-0001",
            coop_tax,
        ],  # Excel number, no diacritics
        ["Lê Văn Ba", "+84 " + good[2][1:], "", "Đặc khu Cát Hải", "", "", ""],
        ["Số Sai", "12345", "", "11914", "", "", ""],
        ["Xã Lạ", new_phone(), "", "Không Có Xã Này", "", "", ""],
        ["Ngoài Địa Bàn", new_phone(), "", "00070", "", "", ""],  # Phường Hoàn Kiếm, Hà Nội
        ["Trùng Số", good[0], "", "11914", "", "", ""],
        ["HTX Lạ", new_phone(), "", "11914", "", "", "0100109106"],
        ["Công Thức", "@SUM(1)", "", "11914", "", "", ""],
    ]
    response = await upload(client, officer, "ds-ho.xlsx", xlsx(rows))
    assert response.status_code == 202, response.text
    job = await finished(client, officer, response.json()["id"])
    assert (job["status"], job["total_rows"], job["processed_rows"]) == ("done", 9, 9)
    assert (job["imported"], job["already_present"], job["rejected"]) == (3, 0, 6)

    imported = {r["phone"]: r for r in await Household.select().where(Household.phone.is_in(good))}
    assert set(imported) == set(good)
    assert imported[good[1]]["commune"] == "11914" and imported[good[1]]["vpost_code"] == "VN-0001"
    assert imported[good[1]]["cooperative"] == coop_id
    assert await CoopMembership.count().where(CoopMembership.household == imported[good[1]]["id"]) == 1

    report = await client.get(f"/api/v1/household-imports/{job['id']}/problems.csv", headers=officer.headers)
    assert report.status_code == 200 and report.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["Dòng", "Số điện thoại", "Lý do"]
    reasons = {int(line[0]): line[2] for line in lines[1:]}
    assert "Số điện thoại di động không đúng" in reasons[5]
    assert "Không tìm thấy xã/phường" in reasons[6]
    assert "không thuộc địa bàn" in reasons[7]
    assert "Trùng số điện thoại với dòng 2" in reasons[8]
    assert "Không có hợp tác xã" in reasons[9]
    assert lines[-1][1] == "'@SUM(1)"  # formula neutralised for Excel


async def test_reimporting_the_same_file_changes_nothing(client, accounts):
    officer = await accounts.staff(Role.OFFICER, "11914")  # commune-scoped: the commune column may be empty
    rows = [[f"Hộ {i}", new_phone(), "", "", "", "", ""] for i in range(1200)]
    data = csv_bytes(rows, delimiter=";")
    first = await finished(client, officer, (await upload(client, officer, "ho.csv", data)).json()["id"])
    assert (first["imported"], first["rejected"]) == (1200, 0)
    before = await Household.count()
    second = await finished(client, officer, (await upload(client, officer, "ho.csv", data)).json()["id"])
    assert (second["imported"], second["already_present"], second["rejected"]) == (0, 1200, 0)
    assert await Household.count() == before


async def test_only_officers_and_admins_import(client, accounts):
    farmer = await accounts.household()
    response = await upload(client, farmer, "ho.csv", csv_bytes([]))
    assert response.status_code == 403
    other_officer = await accounts.staff(Role.OFFICER, "31")
    officer = await accounts.staff(Role.OFFICER, "31")
    job = (
        await upload(client, officer, "ho.csv", csv_bytes([["A", new_phone(), "", "11914", "", "", ""]]))
    ).json()
    assert (
        await client.get(f"/api/v1/household-imports/{job['id']}", headers=other_officer.headers)
    ).status_code == 404


async def test_bad_files_are_refused_with_a_reason(client, accounts):
    officer = await accounts.staff(Role.OFFICER, "31")
    missing = await upload(client, officer, "ho.xlsx", xlsx([["A"]], header=["Tên"]))
    assert missing.status_code == 422 and "Thiếu cột bắt buộc" in missing.json()["error"]["message"]
    assert (await upload(client, officer, "ho.pdf", b"%PDF-1.4")).status_code == 415
    assert (await upload(client, officer, "ho.xlsx", b"PK\x03\x04 broken zip")).status_code == 415
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (101 * 1024 * 1024))
    response = await upload(client, officer, "bomb.xlsx", bomb.getvalue())
    assert response.status_code == 413
    assert await Household.count() == 0


async def test_import_page_shows_progress_and_result(client, accounts):
    from tests.agrimarket.test_web_pages import csrf, web_login

    officer = await accounts.staff(Role.OFFICER, "31")
    await web_login(client, officer.phone)
    form = await client.get("/households/import/")
    assert "Nhập danh sách hộ từ Excel" in form.text
    response = await client.post(
        "/households/import/",
        data={"_csrf_token": csrf(form.text)},
        files={
            "file": (
                "ho.xlsx",
                xlsx(
                    [
                        ["Phạm Văn Tư", new_phone(), "", "11914", "", "", ""],
                        ["Sai", "1", "", "11914", "", "", ""],
                    ]
                ),
            )
        },
    )
    assert response.status_code == 200
    job_id = int(str(response.url).rstrip("/").rsplit("/", 1)[1])
    await finished(client, officer, job_id)
    page = await client.get(f"/households/import/{job_id}")
    assert "1 hộ mới" in page.text and "1 dòng lỗi" in page.text
    report = await client.get(f"/households/import/{job_id}/problems.csv")
    assert "Số điện thoại di động không đúng" in report.content.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(xlsx([])))
    assert book.active.max_row == 1


async def test_optional_legacy_district_column(client, accounts):
    officer = await accounts.staff(Role.OFFICER, "31")
    phones = [new_phone() for _ in range(3)]
    header = ["Họ tên chủ hộ", "Số điện thoại", "Xã/phường", "Huyện cũ"]
    rows = [
        ["Đỗ Văn Một", phones[0], "11914", "  Huyện  Cát Hải "],
        ["Đỗ Văn Hai", phones[1], "11914", ""],
        ["Đỗ Văn Ba", phones[2], "11914", "x" * 101],
    ]
    job = (await upload(client, officer, "ho.xlsx", xlsx(rows, header=header))).json()
    done = await finished(client, officer, job["id"])
    assert (done["imported"], done["rejected"]) == (2, 1)
    stored = {
        r["phone"]: r["legacy_district"]
        for r in await Household.select(Household.phone, Household.legacy_district)
    }
    assert stored == {phones[0]: "Huyện Cát Hải", phones[1]: None}
    # A file without the column still imports (the column is optional).
    plain = csv_bytes([["Đỗ Văn Bốn", new_phone(), "", "11914", "", "", ""]])
    again = await finished(client, officer, (await upload(client, officer, "ho.csv", plain)).json()["id"])
    assert (again["imported"], again["rejected"]) == (1, 0)
