"""The counterfeit warning weighs what a forger of scans cannot cheaply fake: distinct client
networks (/24, /48) on several distinct days; a burst does not brand a genuine stamp, and a review
by the owner or an officer of the area clears a warning until new evidence gathers.

Scans come over HTTP through the app's trusted-proxy layer: the test client plays our reverse
proxy (its peer name, "testclient", is the trusted proxy) and passes each buyer's address in
X-Forwarded-For. Earlier days' scans are written as the scan buffer writes them, dated those days.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from litestar.testing import AsyncTestClient

from agrimarket import events
from agrimarket.accounts.actor import Role
from agrimarket.app import create_app
from agrimarket.events import CounterfeitWarning
from agrimarket.tables import AuditEntry
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.traceability.test_scan import stamped
from tests.waiting import until
from traceability.settings import TraceabilitySettings
from traceability.stamps.evidence import network_hash, scan_day
from traceability.stamps.scan_log import BUFFER, _insert
from traceability.tables import Stamp

REASON = "Quét thử hàng loạt từ một kịch bản; tem vẫn trên sản phẩm thật."


@asynccontextmanager
async def behind_proxy(settings, **traceability) -> AsyncIterator[AsyncTestClient]:
    custom = dataclasses.replace(settings.section(TraceabilitySettings), **traceability)
    app = create_app(dataclasses.replace(settings.with_section(custom), trusted_proxies=("testclient",)))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


async def scan_from(client, serial: str, address: str) -> bool:
    """One buyer's scan of the trace API; whether it shows the counterfeit warning."""
    response = await client.get(f"/api/v1/trace/{serial}", headers={"x-forwarded-for": address})
    assert response.status_code == 200, response.text
    return response.json()["genuine_warning"]


async def history(settings, serial: str, scans: list[tuple[str, int]]) -> None:
    """Earlier scans (address, days ago) of the stamp, written as the scan buffer writes them."""
    stamp = await Stamp.select(Stamp.id).where(Stamp.serial == serial).first()
    key = settings.section(TraceabilitySettings).scan_hash_key
    rows = []
    for address, days_ago in scans:
        at = datetime.now(UTC) - timedelta(days=days_ago)
        rows.append(
            (stamp["id"], at, f"{len(rows):064x}", network_hash(key, address), scan_day(at), "mobile")
        )
    await _insert(rows)


async def evidence(serial: str) -> dict:
    await BUFFER.flush()
    return (
        await Stamp.select(Stamp.network_count, Stamp.spread_days, Stamp.scan_count)
        .where(Stamp.serial == serial)
        .first()
    )


def botnet(count: int, start: int = 0) -> list[str]:
    """Addresses in ``count`` different /24 networks."""
    return [f"100.{64 + (start + n) // 200}.{(start + n) % 200}.9" for n in range(count)]


async def test_a_burst_of_50_scans_from_rotating_addresses_does_not_brand_a_genuine_stamp(
    client, accounts, settings
):
    _, _, _, (serial,) = await stamped(client, accounts, count=1)
    async with behind_proxy(settings) as proxied:
        # Within a minute: 50 addresses of one range, then 50 from 50 ranges (a rented botnet).
        one_range = [await scan_from(proxied, serial, f"203.0.113.{n}") for n in range(50)]
        many_ranges = [await scan_from(proxied, serial, address) for address in botnet(50)]
    assert not any(one_range) and not any(many_ranges)
    # One range counts once; the botnet's 50 networks all appeared on one day.
    assert await evidence(serial) == {"network_count": 51, "spread_days": 1, "scan_count": 100}


async def test_a_genuine_spread_over_networks_and_days_raises_the_warning(client, accounts, settings):
    session, _, batch_id, (serial, other) = await stamped(client, accounts, count=2)
    # A copied label sold at markets: 20 networks over the four previous days ...
    await history(settings, serial, [(address, 1 + n % 4) for n, address in enumerate(botnet(20))])
    async with behind_proxy(settings) as proxied:
        assert await scan_from(proxied, serial, "100.80.1.1") is True  # ... and a 21st buyer today
        page = await proxied.get(f"/t/{serial}", headers={"x-forwarded-for": "100.80.1.2"})
        assert "Cảnh báo: có thể là tem giả" in page.text and "quá nhiều nơi khác nhau" in page.text
        assert await scan_from(proxied, other, "100.80.1.1") is False  # another stamp of the batch
    await BUFFER.flush()
    warned = await client.get(f"/api/v1/batches/{batch_id}/scan-warnings", headers=session.headers)
    assert warned.json() == [{"serial": serial, "networks": 21, "days": 5, "scans": 22}]


async def test_a_burst_after_a_few_days_raises_it_and_a_review_clears_it_for_good(client, accounts, settings):
    session, _, batch_id, (serial,) = await stamped(client, accounts, count=1)
    # The forger scanned on two earlier days, then bursts from 50 networks today: all three hold.
    await history(settings, serial, [("198.51.100.1", 2), ("198.51.101.1", 1)])
    async with behind_proxy(settings) as proxied:
        burst = [await scan_from(proxied, serial, address) for address in botnet(50)]
        assert burst[-1] is True
        await BUFFER.flush()
        reviewed = await client.post(
            f"/api/v1/batches/{batch_id}/scan-review", json={"reason": REASON}, headers=session.headers
        )
        assert reviewed.status_code == 200 and reviewed.json() == {"reviewed": [serial]}
        # Cleared, and it stays cleared: another burst today from 50 more networks adds no day.
        again = [await scan_from(proxied, serial, address) for address in botnet(50, start=50)]
        assert not any(again)
    assert (
        await client.get(f"/api/v1/batches/{batch_id}/scan-warnings", headers=session.headers)
    ).json() == []
    entry = await AuditEntry.select().where(AuditEntry.action == "scan_review").output(load_json=True).first()
    assert entry["entity"] == "batch" and entry["entity_id"] == batch_id
    assert entry["changes"]["reason"] == REASON and entry["changes"]["stamps"] == [serial]
    # Only new evidence raises it again: 21 new networks over three later days.
    later = [(address, -(1 + n % 3)) for n, address in enumerate(botnet(21, start=200))]
    await history(settings, serial, later)
    async with behind_proxy(settings) as proxied:
        assert await scan_from(proxied, serial, "192.0.2.1") is True


async def test_an_officer_of_the_area_reviews_others_may_not(client, accounts, settings):
    session, _, batch_id, (serial,) = await stamped(client, accounts, count=1)
    url = f"/api/v1/batches/{batch_id}/scan-review"
    # Nothing to review yet: 409; a reason is required: 422.
    nothing = await client.post(url, json={"reason": REASON}, headers=session.headers)
    assert nothing.status_code == 409 and "Không có tem nào" in nothing.json()["error"]["message"]
    await history(settings, serial, [(address, n % 3) for n, address in enumerate(botnet(21))])
    short = await client.post(url, json={"reason": "ok"}, headers=session.headers)
    assert short.status_code == 422 and "kết quả kiểm tra" in short.json()["error"]["message"]
    stranger = await accounts.household()
    assert (await client.post(url, json={"reason": REASON}, headers=stranger.headers)).status_code == 404
    elsewhere = await accounts.staff(Role.OFFICER, area="01")
    assert (await client.post(url, json={"reason": REASON}, headers=elsewhere.headers)).status_code == 404
    officer = await accounts.staff(Role.OFFICER)
    answer = await client.post(url, json={"reason": REASON}, headers=officer.headers)
    assert answer.status_code == 200 and answer.json() == {"reviewed": [serial]}
    entry = await AuditEntry.select().where(AuditEntry.action == "scan_review").first()
    assert entry["user_id"] == officer.me["id"] and entry["role"] == "officer"


async def test_the_batch_page_lists_warned_stamps_and_its_form_clears_them(client, accounts, settings):
    session, _, batch_id, (serial,) = await stamped(client, accounts, count=1)
    await history(settings, serial, [(address, n % 3) for n, address in enumerate(botnet(21))])
    await web_login(client, session.phone)
    page = await client.get(f"/batches/{batch_id}")
    assert 'id="scan-warnings"' in page.text and serial in page.text and "21 mạng" in page.text
    refused = await client.post(
        f"/batches/{batch_id}/scan-review", data={"reason": "", "_csrf_token": csrf(page.text)}
    )
    assert refused.status_code == 422 and "Hãy ghi rõ kết quả kiểm tra" in refused.text
    done = await client.post(
        f"/batches/{batch_id}/scan-review",
        data={"reason": REASON, "_csrf_token": csrf(page.text)},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "Đã ghi nhận kiểm tra" in done.text
    assert 'id="scan-warnings"' not in done.text
    async with behind_proxy(settings) as proxied:
        assert await scan_from(proxied, serial, "192.0.2.1") is False


async def test_crossing_the_line_is_announced_once_to_the_apps(client, accounts, settings):
    _, _, batch_id, (serial,) = await stamped(client, accounts, count=1)
    stamp = await Stamp.select(Stamp.id).where(Stamp.serial == serial).first()
    await history(settings, serial, [(address, 1 + n % 4) for n, address in enumerate(botnet(20))])
    announced: list[CounterfeitWarning] = []

    async def record(event: CounterfeitWarning) -> None:
        announced.append(event)

    async with behind_proxy(settings) as proxied:
        events.current().subscribe(CounterfeitWarning, record)  # the app just built this bus
        assert await scan_from(proxied, serial, "100.80.1.1") is True  # the 21st network
        await BUFFER.flush()
        await until(lambda: announced, timeout=5, what="the announcement")
        # More networks the same day: still warned, not news.
        assert await scan_from(proxied, serial, "100.81.1.1") is True
        await BUFFER.flush()
    assert announced == [CounterfeitWarning(stamp_id=stamp["id"], serial=serial, batch_id=batch_id)]
