"""A buyer scans a stamp with a phone: the page is readable, in Vietnamese, and shows its warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.stamps.evidence import scan_day
from traceability.tables import Scan, Stamp

pytestmark = pytest.mark.browser


@pytest.fixture
async def stamps(client, accounts) -> dict[str, str]:
    """Three stamps of one batch: a genuine one, a revoked one, one scanned from too many places
    over several days."""
    session, _, batch_id = await make_batch(accounts)
    assert (await issue(client, session, batch_id, 3)).status_code == 201
    rows = await Stamp.select(Stamp.id, Stamp.serial).order_by(Stamp.seq)
    response = await client.post(
        "/api/v1/stamps/revoke",
        json={"serial": rows[1]["serial"], "reason": "Tem bị mất cắp tại kho"},
        headers=session.headers,
    )
    assert response.json() == {"revoked": 1}
    moments = [datetime.now(UTC) - timedelta(days=n % 4) for n in range(25)]
    await Scan.insert(
        *[
            Scan(
                stamp=rows[2]["id"],
                scanned_at=at,
                client_hash=f"{n:064x}",
                network_hash=f"{n:064x}",
                day=scan_day(at),
                device="mobile",
            )
            for n, at in enumerate(moments)
        ]
    )
    return {"genuine": rows[0]["serial"], "revoked": rows[1]["serial"], "copied": rows[2]["serial"]}


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_scan_page_on_a_phone(stamps, phone: Page, shot):
    page = phone
    page.goto(f"/T/{stamps['genuine']}")
    expect(page.get_by_role("heading", name="Bưởi da xanh Cát Hải")).to_be_visible()
    expect(page.get_by_text("Vườn bưởi Đồng Bài")).to_be_visible()
    expect(page.get_by_text("Tem có trong hệ thống")).to_be_visible()
    expect(page.get_by_text("Trang sản phẩm trên agrimarket")).to_be_visible()
    # The stylesheet loaded (the header is green), with no script on the page.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
        == "rgb(46, 107, 46)"
    )
    assert page.locator("script").count() == 0
    fits(page)
    shot(page, "scan-01-genuine")

    page.goto(f"/t/{stamps['revoked']}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Tem đã bị thu hồi")
    expect(alert).to_contain_text("Tem bị mất cắp tại kho")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.revoked')).backgroundColor")
        == "rgb(198, 40, 40)"
    )
    fits(page)
    shot(page, "scan-02-revoked")

    page.goto(f"/t/{stamps['copied']}")
    expect(page.get_by_role("alert")).to_contain_text("Cảnh báo: có thể là tem giả")
    fits(page)
    shot(page, "scan-03-counterfeit")

    page.goto(f"/t/{stamps['genuine']}?lang=en")
    expect(page.get_by_text("This stamp is registered")).to_be_visible()
    shot(page, "scan-04-english")

    response = page.goto("/t/7K3M-9QXT-2BFA-WN4D")
    assert response.status == 404
    expect(page.get_by_text("Tem này không có trong hệ thống.")).to_be_visible()
    shot(page, "scan-05-unknown")
