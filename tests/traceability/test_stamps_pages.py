"""The batch page's stamps: past issuances (progress, downloads) and revoking from the web."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.stamps import serials
from traceability.tables import Stamp, StampIssue


async def serials_of(issue_id: int) -> list[str]:
    rows = await Stamp.select(Stamp.serial).where(Stamp.issuance == issue_id).order_by(Stamp.seq)
    return [r["serial"] for r in rows]


async def revoked() -> dict[str, str]:
    rows = await Stamp.select(Stamp.serial, Stamp.revoked_reason).where(Stamp.status == "revoked")
    return {r["serial"]: r["revoked_reason"] for r in rows}


async def test_batch_page_lists_issuances_with_progress_and_downloads(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    first = (await issue(client, session, batch_id, 12, "30x40")).json()
    second = (await issue(client, session, batch_id, 5, "50x30")).json()
    await StampIssue.update({StampIssue.status: "running", StampIssue.progress: 3}).where(
        StampIssue.id == second["id"]
    )
    await web_login(client, session.phone)
    page = await client.get(f"/batches/{batch_id}")
    assert page.status_code == 200
    html = page.text
    assert html.index(f'id="issue-{second["id"]}"') < html.index(f'id="issue-{first["id"]}"')  # newest first
    done = html[html.index(f'id="issue-{first["id"]}"') :]
    assert "12 tem" in done and "30 × 40 mm" in done and "Đã xong" in done
    assert first["pdf_url"] in done and first["zip_url"] in done
    assert "Tờ tem A4 (PDF)" in done and "Ảnh PNG (ZIP)" in done and "Tạo lúc" in done
    running = html[html.index(f'id="issue-{second["id"]}"') : html.index(f'id="issue-{first["id"]}"')]
    assert "50 × 30 mm" in running and "3 / 5" in running and '<progress max="5" value="3">' in running
    assert "Tờ tem A4 (PDF)" not in running and f"/stamps/issues/{second['id']}" in running
    # The owner prints and revokes from here.
    assert f'href="/batches/{batch_id}/stamps/new"' in html and "Thu hồi một tem" in html
    assert "Thu hồi một dãy tem" in html and "Thu hồi toàn bộ tem của lô" in html
    assert 'style="' not in html and "<script>" not in html
    client.cookies.set("lang", "en")
    english = (await client.get(f"/batches/{batch_id}")).text
    assert "Revoke one stamp" in english and "12 stamps" in english and "Issuance" in english


async def test_the_same_list_over_the_api_with_revoked_counts(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    issued = (await issue(client, session, batch_id, 4)).json()
    await client.post(
        "/api/v1/stamps/revoke",
        json={"issuance_id": issued["id"], "from_seq": 1, "to_seq": 2, "reason": "In lỗi"},
        headers=session.headers,
    )
    listed = (await client.get(f"/api/v1/batches/{batch_id}/stamps", headers=session.headers)).json()
    assert [(i["id"], i["stamp_count"], i["status"], i["revoked"]) for i in listed] == [
        (issued["id"], 4, "done", 2)
    ]
    assert listed[0]["pdf_url"] and listed[0]["zip_url"] and listed[0]["created_at"]
    one = (await client.get(f"/api/v1/stamp-issues/{issued['id']}", headers=session.headers)).json()
    assert one["revoked"] == 2
    stranger = await accounts.household(name="Phạm Thị Dung")
    assert (
        await client.get(f"/api/v1/batches/{batch_id}/stamps", headers=stranger.headers)
    ).status_code == 404


async def test_api_revokes_a_range_given_by_its_first_and_last_serial(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    issued = (await issue(client, session, batch_id, 10)).json()
    other = (await issue(client, session, batch_id, 2)).json()
    stamps = await serials_of(issued["id"])

    async def revoke(**body):
        return await client.post("/api/v1/stamps/revoke", json=body, headers=session.headers)

    # Either order; the grouped, lower-case form people type works too.
    response = await revoke(from_serial=serials.grouped(stamps[6]).lower(), to_serial=stamps[3], reason="Ướt")
    assert response.json() == {"revoked": 4}
    assert set(await revoked()) == set(stamps[3:7])
    across = await revoke(from_serial=stamps[0], to_serial=(await serials_of(other["id"]))[0], reason="x")
    assert across.status_code == 422 and "cùng một đợt" in across.json()["error"]["message"]
    assert (await revoke(from_serial=stamps[0], reason="x")).status_code == 422
    assert (await revoke(from_serial=stamps[0], to_serial="0000000000000000", reason="x")).status_code == 404
    stranger = await accounts.household(name="Phạm Thị Dung")
    refused = await client.post(
        "/api/v1/stamps/revoke",
        json={"from_serial": stamps[0], "to_serial": stamps[1], "reason": "x"},
        headers=stranger.headers,
    )
    assert refused.status_code == 404 and len(await revoked()) == 4


async def test_revoke_one_a_range_and_the_whole_batch_from_the_batch_page(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    _, _, other_batch = await make_batch(accounts, session, lot="LO-02")
    issued = (await issue(client, session, batch_id, 8)).json()
    await issue(client, session, other_batch, 1)
    stamps = await serials_of(issued["id"])
    foreign = (await Stamp.select(Stamp.serial).where(Stamp.batch == other_batch).first())["serial"]
    await web_login(client, session.phone)
    page = await client.get(f"/batches/{batch_id}")
    token = csrf(page.text)
    url = f"/batches/{batch_id}/stamps/revoke"

    async def post(**data):
        return await client.post(url, data={"_csrf_token": token, **data}, follow_redirects=False)

    # One stamp, typed as printed under its QR.
    done = await post(scope="one", serial=serials.grouped(stamps[0]), reason="Tem bị mất")
    assert done.status_code in (302, 303) and done.headers["location"] == f"/batches/{batch_id}?revoked=1"
    after = await client.get(done.headers["location"])
    assert "Đã thu hồi 1 tem." in after.text and "1 tem đã thu hồi" in after.text
    # Mistakes come back on the page, values kept, nothing revoked.
    no_reason = await post(scope="one", serial=stamps[1], reason="  ")
    assert no_reason.status_code == 422 and "Hãy ghi lý do thu hồi" in no_reason.text
    assert f'value="{stamps[1]}"' in no_reason.text and '<details class="revoke" open>' in no_reason.text
    typo = await post(scope="one", serial="7K3M-9QXT-2BFA-WN4D", reason="Tem bị mất")
    assert typo.status_code == 404 and "Tem này không có trong hệ thống" in typo.text
    elsewhere = await post(scope="one", serial=foreign, reason="Tem bị mất")
    assert elsewhere.status_code == 404 and "không thuộc lô hàng này" in elsewhere.text
    assert (await post(scope="one", serial="", reason="x")).status_code == 422
    assert (await post(scope="everything", reason="x")).status_code == 422
    assert set(await revoked()) == {stamps[0]}
    # A range, by its first and last serial.
    ranged = await post(scope="range", from_serial=stamps[2], to_serial=stamps[4], reason="Cuộn tem bị ướt")
    assert ranged.headers["location"].endswith("?revoked=3")
    # The whole batch needs the confirmation box ticked.
    unconfirmed = await post(scope="batch", reason="Lô bị thu hồi")
    assert unconfirmed.status_code == 422 and "đánh dấu ô xác nhận" in unconfirmed.text
    whole = await post(scope="batch", reason="Lô bị thu hồi", confirm="yes")
    assert whole.headers["location"].endswith("?revoked=4")
    reasons = await revoked()
    assert reasons[stamps[0]] == "Tem bị mất" and reasons[stamps[3]] == "Cuộn tem bị ướt"
    assert reasons[stamps[7]] == "Lô bị thu hồi" and foreign not in reasons
    again = await client.get((await post(scope="batch", reason="Lần nữa", confirm="yes")).headers["location"])
    assert "Không có tem nào cần thu hồi" in again.text
    # The scan page of a stamp revoked here shows its reason in red.
    scanned = await client.get(f"/t/{stamps[3]}")
    assert 'class="warn revoked"' in scanned.text and "Cuộn tem bị ướt" in scanned.text


async def test_only_writers_of_the_batch_see_or_use_the_revoke_forms(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    await issue(client, session, batch_id, 2)
    serial = (await Stamp.select(Stamp.serial).first())["serial"]
    officer = await accounts.staff(Role.OFFICER)
    await web_login(client, officer.phone)
    page = await client.get(f"/batches/{batch_id}")
    assert page.status_code == 200 and "Đợt in" in page.text
    assert "Thu hồi một tem" not in page.text and "/stamps/new" not in page.text
    refused = await client.post(
        f"/batches/{batch_id}/stamps/revoke",
        data={"scope": "one", "serial": serial, "reason": "x", "_csrf_token": csrf(page.text)},
    )
    assert refused.status_code == 403
    stranger = await accounts.household(name="Phạm Thị Dung")
    await web_login(client, stranger.phone)
    form = await client.get("/batches")
    assert (await client.get(f"/batches/{batch_id}")).status_code == 404
    hidden = await client.post(
        f"/batches/{batch_id}/stamps/revoke",
        data={"scope": "batch", "confirm": "yes", "reason": "x", "_csrf_token": csrf(form.text)},
    )
    assert hidden.status_code == 404
    assert await Stamp.count().where(Stamp.status == "revoked") == 0
