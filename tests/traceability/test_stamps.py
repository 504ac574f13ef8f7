"""Issuing stamps: serials, sheets whose every QR decodes, background jobs, revocation, scope."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import re

import pytest
from litestar.testing import AsyncTestClient

from agrimarket.accounts.actor import Role
from agrimarket.app import create_app
from tests.traceability.test_stamps_helpers import BASE, issue, make_batch, media_bytes, pdf_codes, zip_codes
from traceability.settings import TraceabilitySettings
from traceability.stamps import jobs, qr, serials
from traceability.tables import Batch, GrowingArea, Stamp, StampIssue

CROCKFORD = re.compile(r"^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{16}$")


def test_serials_are_80_random_bits_in_crockford_base32():
    batch = serials.new_serials(5000)
    assert len(set(batch)) == 5000
    assert all(CROCKFORD.match(s) for s in batch)
    assert serials.BITS >= 64
    # No sequential pattern: consecutive serials share no long prefix and differ in most positions.
    for a, b in itertools.pairwise(batch):
        assert a[:4] != b[:4] or a[4:8] != b[4:8]
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= 8
    # Every symbol appears, each roughly evenly (random, not counting).
    counts = {ch: sum(s.count(ch) for s in batch) for ch in serials.ALPHABET}
    expected = 5000 * 16 / 32
    assert all(0.8 * expected < n < 1.2 * expected for n in counts.values())


def assert_fast_path_matches(prefix: str, serial: str) -> None:
    """Our QR matrix of ``prefix + serial`` is the qrcode library's, module for module."""
    version, mask = qr.fixed_qr(prefix)
    matrix, side = qr.qr_matrix(prefix + serial, version, mask)
    reference = qr.qr_modules(prefix + serial, version, mask)
    q = qr.QUIET
    assert side == len(reference) + 2 * q
    assert all(
        (matrix[(r + q) * side + c + q] == 0) == dark
        for r, row in enumerate(reference)
        for c, dark in enumerate(row)
    )


def test_qr_matrix_fast_path_matches_the_qrcode_library():
    prefix = qr.qr_url_prefix("https://truyxuat.example.vn")
    assert prefix == "HTTPS://TRUYXUAT.EXAMPLE.VN/T/"
    for serial in [*serials.new_serials(20), "0" * 16, "Z" * 16]:
        assert_fast_path_matches(prefix, serial)


def test_a_base_url_with_a_lowercase_path_is_encoded_in_byte_mode():
    prefix = qr.qr_url_prefix("https://truyxuat.example.vn/truy-xuat")
    assert prefix == "HTTPS://TRUYXUAT.EXAMPLE.VN/truy-xuat/T/"  # not alphanumeric-mode text
    # fixed_qr raised AttributeError while qr asked qrcode for MODE_8BIT
    assert_fast_path_matches(prefix, "Z" * 16)


def test_serials_normalise_the_crockford_way():
    assert serials.normalise("7k3m-9qxt-2bfa-wn4d") == "7K3M9QXT2BFAWN4D"
    assert serials.normalise("O0IL-1111-0000-0000") == "0011111100000000"
    assert serials.normalise("7K3M9QXT2BFAWN4") is None
    assert serials.normalise("7K3M9QXT2BFAWN4U") is None
    assert serials.grouped("7K3M9QXT2BFAWN4D") == "7K3M-9QXT-2BFA-WN4D"


@pytest.mark.parametrize("label_size", ["30x40", "50x30"])
async def test_small_issuance_every_qr_in_pdf_and_zip_decodes(client, accounts, label_size):
    session, _, batch_id = await make_batch(accounts)
    response = await issue(client, session, batch_id, 40, label_size)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "done" and body["progress"] == 40
    stamps = await Stamp.select(Stamp.serial, Stamp.seq, Stamp.status).where(Stamp.issuance == body["id"])
    assert sorted(s["seq"] for s in stamps) == list(range(1, 41))
    assert {s["status"] for s in stamps} == {"active"}
    expected = {BASE + s["serial"] for s in stamps}
    assert sorted(pdf_codes(await media_bytes(client, body["pdf_url"]))) == sorted(expected)
    pngs = zip_codes(await media_bytes(client, body["zip_url"]))
    assert len(pngs) == 40 and set(pngs.values()) == expected
    by_seq = {s["seq"]: s["serial"] for s in stamps}
    assert all(text.endswith(name[7:23]) for name, text in pngs.items())
    assert pngs[f"000001-{by_seq[1]}.png"] == BASE + by_seq[1]


async def test_large_issuance_renders_in_background_with_progress(client, accounts, settings):
    session, _, batch_id = await make_batch(accounts)
    small = dataclasses.replace(
        settings.section(TraceabilitySettings), background_threshold=100, render_poll_seconds=0.2
    )
    app = create_app(settings.with_section(small))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as bg:
        response = await issue(bg, session, batch_id, 600)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] in ("queued", "running") and body["pdf_url"] is None
        for _ in range(300):
            body = (await bg.get(f"/api/v1/stamp-issues/{body['id']}", headers=session.headers)).json()
            if body["status"] == "done":
                break
            assert body["status"] in ("queued", "running")
            await asyncio.sleep(0.1)
        assert body["status"] == "done" and body["progress"] == 600, body
        serials_by_seq = {
            s["seq"]: s["serial"]
            for s in await Stamp.select(Stamp.seq, Stamp.serial).where(Stamp.issuance == body["id"])
        }
        pdf = await media_bytes(bg, body["pdf_url"])
        # 36 labels a page, 17 pages: every other page, the last included, is a sample of 312.
        sampled_pages = range(0, 17, 2)
        found = pdf_codes(pdf, list(sampled_pages))
        in_print_order = [serial for _, serial in sorted(serials_by_seq.items())]
        on_sampled_pages = [
            serial for page in sampled_pages for serial in in_print_order[page * 36 : (page + 1) * 36]
        ]
        assert len(on_sampled_pages) == 312
        assert sorted(found) == sorted(BASE + serial for serial in on_sampled_pages)
        pngs = zip_codes(await media_bytes(bg, body["zip_url"]), every=3)
        assert len(pngs) == 200
        assert all(text == BASE + name[7:23] for name, text in pngs.items())


async def test_a_job_is_claimed_once_and_an_expired_lease_is_taken_over(settings):
    from datetime import UTC, datetime, timedelta

    from tests.factories import Accounts

    # No background renderer in this app: the test alone claims.
    quiet = dataclasses.replace(settings.section(TraceabilitySettings), render_worker=False)
    app = create_app(settings.with_section(quiet))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as own:
        _, _, batch_id = await make_batch(Accounts(own))
    now = datetime.now(UTC)
    job = StampIssue(batch=batch_id, stamp_count=1, label_size="30x40", created_at=now)
    await job.save()
    claims = await asyncio.gather(*(jobs.claim() for _ in range(4)))
    assert [c for c in claims if c] == [job.id]
    assert await jobs.claim() is None
    await StampIssue.update({StampIssue.claimed_until: now - timedelta(seconds=1)}).where(
        StampIssue.id == job.id
    )
    assert await jobs.claim() == job.id


def _csrf(html: str) -> str:
    marker = 'name="_csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def test_web_form_issues_stamps_and_the_page_shows_progress_then_downloads(client, accounts):
    from tests.factories import PASSWORD

    session, _, batch_id = await make_batch(accounts)
    _, _, flagged = await make_batch(accounts, session, flagged=True, lot="LO-CO")
    form = await client.get("/login")
    await client.post(
        "/login", data={"phone": session.phone, "password": PASSWORD, "_csrf_token": _csrf(form.text)}
    )
    form = await client.get(f"/batches/{batch_id}/stamps/new")
    assert form.status_code == 200 and "30 × 40 mm" in form.text
    token = _csrf(form.text)
    bad = await client.post(
        f"/batches/{batch_id}/stamps/new", data={"count": "0", "label_size": "30x40", "_csrf_token": token}
    )
    assert bad.status_code == 422 and "100.000" in bad.text
    refused = await client.post(
        f"/batches/{flagged}/stamps/new", data={"count": "5", "label_size": "30x40", "_csrf_token": token}
    )
    assert refused.status_code == 409 and "gắn cờ" in refused.text
    created = await client.post(
        f"/batches/{batch_id}/stamps/new",
        data={"count": "3", "label_size": "50x30", "_csrf_token": token},
        follow_redirects=False,
    )
    assert created.status_code in (302, 303), created.text
    page = await client.get(created.headers["location"])
    issued = await StampIssue.select().first()
    assert issued["stamp_count"] == 3 and issued["label_size"] == "50x30" and issued["status"] == "done"
    assert page.status_code == 200 and "Tờ tem A4 (PDF)" in page.text and issued["sheet_key"] in page.text
    assert page.headers["cache-control"] == "no-store"
    await StampIssue.update({StampIssue.status: "running", StampIssue.progress: 2}).where(
        StampIssue.id == issued["id"]
    )
    partial = await client.get(f"/stamps/issues/{issued['id']}", headers={"hx-request": "true"})
    assert 'hx-trigger="every 1500ms"' in partial.text and 'value="2"' in partial.text
    assert '<meta http-equiv="refresh"' in partial.text and "<html" not in partial.text
    other = await accounts.household(name="Phạm Thị Dung")
    assert (
        await client.get(f"/api/v1/stamp-issues/{issued['id']}", headers=other.headers)
    ).status_code == 404


async def test_issue_validation_flag_and_scope(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    assert (await issue(client, session, batch_id, 0)).status_code == 422
    assert (await issue(client, session, batch_id, 100_001)).status_code == 422
    assert (await issue(client, session, batch_id, 1, "10x10")).status_code == 422
    other = await accounts.household(name="Phạm Thị Dung")
    assert (await issue(client, other, batch_id, 1)).status_code == 404
    officer = await accounts.staff(Role.OFFICER)
    assert (await issue(client, officer, batch_id, 1)).status_code == 403
    _, _, flagged = await make_batch(accounts, session, flagged=True, lot="LO-02")
    response = await issue(client, session, flagged, 1)
    assert response.status_code == 409 and "gắn cờ" in response.json()["error"]["message"]
    assert await StampIssue.count() == 0


@pytest.mark.parametrize("status", ["suspended", "revoked"])
async def test_no_new_stamps_once_the_growing_area_is_suspended_or_revoked(client, accounts, status):
    session, _, batch_id = await make_batch(accounts)
    area_id = (await Batch.select(Batch.growing_area).where(Batch.id == batch_id).first())["growing_area"]
    await GrowingArea.update(
        {GrowingArea.status: status, GrowingArea.status_reason: "Kiểm tra không đạt"}
    ).where(GrowingArea.id == area_id)
    response = await issue(client, session, batch_id, 1)
    assert response.status_code == 409, response.text
    assert "Kiểm tra không đạt" in response.json()["error"]["message"]
    assert await StampIssue.count() == 0


async def revoke(client, session, **body):
    return await client.post("/api/v1/stamps/revoke", json=body, headers=session.headers)


async def test_revoke_one_range_and_batch_with_reason_and_scope(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    issued = (await issue(client, session, batch_id, 20)).json()
    rows = {r["seq"]: r["serial"] for r in await Stamp.select(Stamp.seq, Stamp.serial)}
    assert (await revoke(client, session, serial=rows[1], reason=" ")).status_code == 422
    other = await accounts.household(name="Phạm Thị Dung")
    assert (await revoke(client, other, serial=rows[1], reason="mất tem")).status_code == 404
    assert (await revoke(client, other, batch_id=batch_id, reason="x")).status_code == 404
    officer = await accounts.staff(Role.OFFICER)
    assert (await revoke(client, officer, batch_id=batch_id, reason="x")).status_code == 403
    lower = serials.grouped(rows[1]).lower()
    response = await revoke(client, session, serial=lower, reason="Tem bị mất")
    assert response.json() == {"revoked": 1}
    response = await revoke(client, session, issuance_id=issued["id"], from_seq=5, to_seq=9, reason="In lỗi")
    assert response.json() == {"revoked": 5}
    revoked = await Stamp.select(Stamp.seq, Stamp.revoked_reason).where(Stamp.status == "revoked")
    assert {r["seq"] for r in revoked} == {1, 5, 6, 7, 8, 9}
    assert {r["revoked_reason"] for r in revoked} == {"Tem bị mất", "In lỗi"}
    response = await revoke(client, session, batch_id=batch_id, reason="Lô bị thu hồi")
    assert response.json() == {"revoked": 14}
    assert await Stamp.count().where(Stamp.status == "active") == 0


async def test_demo_stamps_issue_render_scan_and_revoke(client, accounts):
    from traceability import demo_stamps
    from traceability.tables import Scan

    session, _, batch_id = await make_batch(accounts)
    await make_batch(accounts, session, flagged=True, lot="LO-CO")
    lines = await demo_stamps.seed()
    assert "/t/" in "\n".join(lines) and "LO-CO" in lines[-1]
    assert await Stamp.count().where(Stamp.batch == batch_id) == demo_stamps.STAMPS_PER_BATCH
    assert await Stamp.count().where(Stamp.status == "revoked") == 1
    assert await Scan.count() == 3
    assert (await StampIssue.select(StampIssue.status).first())["status"] == "done"


async def test_a_serial_drawn_twice_is_drawn_again_and_the_first_stamp_keeps_it(
    client, accounts, monkeypatch
):
    """80 random bits make a repeat near impossible, but the insert must still survive one: the
    repeated serial is skipped by the database and only its position is drawn again."""
    session, _, batch_id = await make_batch(accounts)
    first = (await issue(client, session, batch_id, 3, "30x40")).json()
    taken = await Stamp.select(Stamp.serial, Stamp.id).where(Stamp.issuance == first["id"]).first()
    draw = serials.new_serials
    calls: list[int] = []

    def repeat_once(count: int) -> list[str]:
        calls.append(count)
        fresh = draw(count)
        return [taken["serial"], *fresh[1:]] if len(calls) == 1 else fresh

    monkeypatch.setattr(serials, "new_serials", repeat_once)
    second = (await issue(client, session, batch_id, 5, "30x40")).json()
    assert calls == [5, 1]  # the one repeated position, drawn again
    rows = await Stamp.select(Stamp.seq, Stamp.serial, Stamp.status).where(Stamp.issuance == second["id"])
    assert sorted(r["seq"] for r in rows) == [1, 2, 3, 4, 5]
    assert taken["serial"] not in {r["serial"] for r in rows} and {r["status"] for r in rows} == {"active"}
    owner = await Stamp.select(Stamp.issuance).where(Stamp.serial == taken["serial"]).first()
    assert owner["issuance"] == first["id"]
