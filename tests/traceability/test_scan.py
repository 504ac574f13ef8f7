"""The public scan page and trace API: facts, warnings, the scan log, rate limit, size and caching."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import os
import random
import re
import threading
from datetime import timedelta
from unittest.mock import ANY

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from agrimarket import clock
from agrimarket.app import create_app
from agrimarket.errors import NotFound
from agrimarket.privacy.periods import RetentionSettings
from agrimarket.web.services import app_services
from tests.conftest import ENGINE
from tests.traceability.test_stamps_helpers import issue, make_batch
from tests.waiting import until
from traceability.settings import TraceabilitySettings
from traceability.stamps.evidence import scan_day
from traceability.stamps.scan import STAMP_READS, scan
from traceability.stamps.scan_log import BUFFER, ScanBuffer, _insert
from traceability.tables import Scan, Stamp

PHONE_UA = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Mobile Safari/537.36"


async def stamped(client, accounts, count=3, **batch):
    session, product, batch_id = await make_batch(accounts, **batch)
    assert (await issue(client, session, batch_id, count)).status_code == 201
    rows = await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).order_by(Stamp.seq)
    return session, product, batch_id, [r["serial"] for r in rows]


async def test_scan_page_shows_the_facts_in_vietnamese_and_counts_scans(client, accounts):
    _, product, _, serials = await stamped(client, accounts)
    page = await client.get(f"/t/{serials[0]}", headers={"user-agent": PHONE_UA})
    assert page.status_code == 200
    html = page.text
    for text in (
        "Bưởi da xanh Cát Hải",
        "Nguyễn Văn An",
        "Cát Hải",
        "Vườn bưởi Đồng Bài",
        "VN-HP-",
        "01/11/2026",
        "02/11/2026",
        "VietGAP",
        f"/p/{product['id']}",
        "Tem có trong hệ thống",
    ):
        assert text in html, text
    assert "đã được quét <strong>1</strong>" in html
    assert page.headers["cache-control"] == "no-store"
    # Lower case, hyphens and the capital /T/ of the QR all reach the same stamp.
    again = await client.get(f"/T/{serials[0][:4].lower()}-{serials[0][4:]}")
    assert again.status_code == 200 and "đã được quét <strong>2</strong>" in again.text
    css = re.search(r'href="(/t-assets/scan.css\?v=\w+)"', html).group(1)
    sheet = await client.get(css)
    assert "immutable" in sheet.headers["cache-control"] and sheet.headers["content-type"].startswith(
        "text/css"
    )
    assert len(page.content) + len(sheet.content) < 30_000
    assert "<script" not in html


async def test_english_by_accept_language_or_switch(client, accounts):
    _, _, _, serials = await stamped(client, accounts, code=None)
    page = await client.get(f"/t/{serials[0]}", headers={"accept-language": "en-US,en;q=0.8"})
    assert "No official growing-area code yet" in page.text and "Harvested" in page.text
    page = await client.get(f"/t/{serials[0]}?lang=vi", headers={"accept-language": "en-US"})
    assert "Chưa có mã vùng trồng" in page.text


async def test_scan_log_keeps_only_a_keyed_hash_and_a_device_class(client, accounts):
    _, _, _, serials = await stamped(client, accounts)
    await client.get(f"/t/{serials[0]}", headers={"user-agent": PHONE_UA})
    await client.get(f"/api/v1/trace/{serials[0]}", headers={"user-agent": "curl/8.0"})
    await BUFFER.flush()
    rows = await Scan.select()
    assert len(rows) == 2
    assert {r["device"] for r in rows} == {"mobile", "bot"}
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row["client_hash"])
        assert "127.0.0.1" not in str(row) and "testclient" not in str(row)
    assert rows[0]["client_hash"] == rows[1]["client_hash"]


async def test_the_scan_page_links_to_what_a_scan_records(client, accounts, settings):
    _, _, _, serials = await stamped(client, accounts)
    page = (await client.get(f"/t/{serials[0]}")).text
    assert '<a href="/privacy#scan">Dữ liệu cá nhân khi quét tem</a>' in page
    notice = (await client.get("/privacy")).text
    days = settings.section(RetentionSettings).scan_address_days
    assert 'id="scan"' in notice and f"Sau {days} ngày mã băm bị xoá" in notice


async def test_trace_api_returns_the_minimum_data(client, accounts):
    """Circular 02/2024: a batch without photo, diary or standards gets a 409 listing them, in
    Vietnamese; once filled, the trace answer and the page carry the ten items."""
    import io
    from datetime import UTC, datetime

    from PIL import Image

    from agrimarket.tables import Household, Product
    from traceability.tables import BatchEvent, GrowingArea

    session, product, batch_id = await make_batch(accounts, gtin="9506000134352", complete=False)
    await Product.update({Product.certifications: []}).where(Product.id == product["id"])
    refused = await issue(client, session, batch_id, 2)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert "Thông tư 02/2024/TT-BKHCN" in error["message"]
    for words in ("ảnh sản phẩm", "công đoạn sản xuất", "tiêu chuẩn áp dụng"):
        assert words in error["message"], words
    assert set(error["fields"]) == {"product_image", "stages", "standards"}
    photo = io.BytesIO()
    Image.new("RGB", (400, 300), (60, 140, 70)).save(photo, "JPEG")
    response = await client.post(
        f"/api/v1/products/{product['id']}/photos",
        files={"photo": ("buoi.jpg", photo.getvalue(), "image/jpeg")},
        headers=session.headers,
    )
    assert response.status_code == 201, response.text
    refused = (await issue(client, session, batch_id, 2)).json()["error"]
    assert set(refused["fields"]) == {"stages", "standards"}
    # A diary entry made in another area of the same owner: that stage names that area's code.
    batch_area = await GrowingArea.objects().get(GrowingArea.id == (await batch_area_id(batch_id)))
    nursery = GrowingArea(
        name="Vườn ươm",
        crop="Bưởi",
        area_ha=0.2,
        commune=batch_area.commune,
        owner_household=batch_area.owner_household,
        created_at=datetime.now(UTC),
    )
    await nursery.save()
    planting = BatchEvent(
        batch=batch_id,
        kind="planting",
        occurred_at=datetime(2026, 3, 1, 1, tzinfo=UTC),
        growing_area=nursery.id,
    )
    harvest = BatchEvent(batch=batch_id, kind="harvesting", occurred_at=datetime(2026, 11, 1, 3, tzinfo=UTC))
    await planting.save()
    await harvest.save()
    patched = await client.patch(
        f"/api/v1/batches/{batch_id}",
        json={"standards": "  TCCS 01:2026/HTX  ", "brand": "Bưởi Đồng Bài"},
        headers=session.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["standards"] == "TCCS 01:2026/HTX" and patched.json()["brand"] == "Bưởi Đồng Bài"
    await Household.update({Household.address: "Thôn 3"}).where(Household.id == session.me["household_id"])
    assert (await issue(client, session, batch_id, 2)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).order_by(Stamp.seq).first())["serial"]
    body = (await client.get(f"/api/v1/trace/{serial}")).json()
    assert body["serial"] == serial and body["status"] == "active"  # 7
    assert body["product_name"] == "Bưởi da xanh Cát Hải"  # 1
    assert body["product_image"].startswith("http://testserver.local/media/")  # 2
    assert body["producer_name"] == "Nguyễn Văn An"  # 3
    assert body["producer_address"].startswith("Thôn 3, ") and "Cát Hải" in body["producer_address"]  # 4
    planted, harvested = body["stages"]  # 5
    assert harvested["kind"] == "harvesting" and harvested["date"] == "2026-11-01"
    assert harvested["occurred_at"].startswith("2026-11-01T03:00:00")
    assert harvested["location_code"] == body["location_code"] and body["location_code"].startswith("VN-HP-")
    assert harvested["location_code_kind"] == "official"
    assert planted["location_code"] == f"area:{nursery.id}" and planted["location_code_kind"] == "agrimarket"
    assert {stage["product_code"] for stage in body["stages"]} == {"09506000134352"}
    assert harvested["product_code_kind"] == "gtin"
    assert body["harvest_date"] == "2026-11-01"  # 6
    assert body["lot_code"] == "LO-01" and body["gtin"] == "09506000134352"  # 8
    assert body["brand"] == "Bưởi Đồng Bài"  # 8
    assert "expiry_date" in body  # 9
    assert body["certifications"] == [] and body["standards"] == "TCCS 01:2026/HTX"  # 10
    assert body["scan_url"].endswith(f"/t/{serial}")
    assert body["product_url"].endswith(f"/p/{product['id']}") and body["where_to_buy"] == []
    assert body["scan_count"] == 1 and body["warnings"] == [] and body["genuine_warning"] is False
    assert (await client.get(f"/api/v1/trace/{serial}")).json()["scan_count"] == 2
    html = (await client.get(f"/t/{serial}")).text
    for text in (
        '<img src="http://testserver.local/media/',  # 2
        "Thôn 3, ",  # 4
        "Các công đoạn sản xuất",  # 5
        "10:00 01/11/2026",  # 5: the harvest's time, in Vietnam
        f"area:{nursery.id}",  # 5: the planting's location code
        "09506000134352",  # 5, 8
        "Thu hoạch",  # 6
        "LO-01",  # 7
        "Bưởi Đồng Bài",  # 8
        "TCCS 01:2026/HTX",  # 10
    ):
        assert text in html, text


async def batch_area_id(batch_id: int) -> int:
    from traceability.tables import Batch

    return (await Batch.select(Batch.growing_area).where(Batch.id == batch_id).first())["growing_area"]


async def test_english_missing_items_and_product_code_without_gtin(client, accounts):
    session, _, batch_id = await make_batch(accounts, complete=False)
    refused = await client.post(
        f"/api/v1/batches/{batch_id}/stamps",
        json={"count": 1},
        headers=session.headers | {"accept-language": "en"},
    )
    assert refused.status_code == 409
    assert "Missing: a product photo" in refused.json()["error"]["message"]
    assert set(refused.json()["error"]["fields"]) == {"product_image", "stages"}  # VietGAP: item 10 is there
    owner, other, other_batch = await make_batch(accounts, lot="LO-02")
    assert (await issue(client, owner, other_batch, 1)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).where(Stamp.batch == other_batch).first())["serial"]
    [stage] = (await client.get(f"/api/v1/trace/{serial}")).json()["stages"]
    assert stage["product_code"] == f"SP{other['id']}/LO-02" and stage["product_code_kind"] == "agrimarket"


async def test_unknown_serial_is_a_404_page_saying_so(client):
    page = await client.get("/t/7K3M9QXT2BFAWN4D")
    assert page.status_code == 404 and "Tem này không có trong hệ thống" in page.text
    assert (await client.get("/t/not-a-serial")).status_code == 404
    api = await client.get("/api/v1/trace/7K3M9QXT2BFAWN4D")
    assert api.status_code == 404 and "không có trong hệ thống" in api.json()["error"]["message"]


async def test_revoked_stamp_shows_the_red_warning(client, accounts):
    session, _, _, serials = await stamped(client, accounts)
    await client.post(
        "/api/v1/stamps/revoke",
        json={"serial": serials[0], "reason": "Tem bị đánh cắp"},
        headers=session.headers,
    )
    html = (await client.get(f"/t/{serials[0]}")).text
    assert 'class="warn revoked"' in html and "Tem đã bị thu hồi" in html and "Tem bị đánh cắp" in html
    assert "Tem có trong hệ thống" not in html


async def test_counterfeit_warning_after_too_many_networks_over_several_days(client, accounts, settings):
    _, _, _, serials = await stamped(client, accounts)
    low = dataclasses.replace(settings.section(TraceabilitySettings), counterfeit_distinct_clients=3)
    app = create_app(settings.with_section(low))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as limited:
        stamp = await Stamp.select(Stamp.id).where(Stamp.serial == serials[0]).first()
        for n in range(3):
            at = _now() - timedelta(days=n + 1)
            await Scan(
                stamp=stamp["id"],
                scanned_at=at,
                client_hash=f"{n:064x}",
                network_hash=f"{n:064x}",
                day=scan_day(at),
                device="mobile",
            ).save()
        # Three networks on three days so far, plus this one: over the threshold of 3.
        html = (await limited.get(f"/t/{serials[0]}")).text
        assert "Cảnh báo: có thể là tem giả" in html and "quá nhiều nơi khác nhau" in html
        # Another stamp of the same batch is fine.
        assert "tem giả" not in (await limited.get(f"/t/{serials[1]}")).text


def _row(stamp: int, client: str, network: str = "n", day: int = 1, device: str = "mobile") -> tuple:
    """A scan row as the buffer writes it: (stamp, at, client hash, network hash, day, device)."""
    return (stamp, _now(), client * 64, network * 64, day, device)


async def test_stamp_counters_follow_every_scan_insert(client, accounts):
    """The trigger keeps scans, distinct clients, distinct networks and the days new networks
    appeared per stamp, for one-row and multi-row inserts."""
    _, _, _, serials = await stamped(client, accounts, count=2)
    first, second = [r["id"] for r in await Stamp.select(Stamp.id).order_by(Stamp.seq)]
    now = _now()
    # One flush: a client twice in the same INSERT counts once, another stamp is apart.
    await _insert([_row(first, "a", "A"), _row(first, "a", "A"), _row(second, "a", "A", device="bot")])
    await _insert([_row(first, "b", "A", day=2)])  # a known network on a new day: no new evidence
    await Scan(
        stamp=first, scanned_at=now, client_hash="a" * 64, network_hash="B" * 64, day=2, device="desktop"
    ).save()  # a new network on day 2: the second day
    # A new network on day 2 again (no new day), and one on day 3.
    await _insert([_row(first, "c", "C", day=2), _row(first, "b", "D", day=3)])
    counted = await Stamp.select(
        Stamp.scan_count, Stamp.client_count, Stamp.network_count, Stamp.spread_days
    ).order_by(Stamp.seq)
    assert counted == [
        {"scan_count": 6, "client_count": 3, "network_count": 4, "spread_days": 3},
        {"scan_count": 1, "client_count": 1, "network_count": 1, "spread_days": 1},
    ]
    # The page reads the counters: 6 logged + this scan.
    body = (await client.get(f"/api/v1/trace/{serials[0]}")).json()
    assert body["scan_count"] == 7


async def test_stamp_counters_stay_exact_when_flushes_run_at_once(client, accounts):
    """Several processes flush at once: no deadlock, no lost count (each flush its own connection)."""
    await stamped(client, accounts, count=5)
    ids = [r["id"] for r in await Stamp.select(Stamp.id)]
    shuffle = random.Random(7).shuffle
    flushes = []
    for n in range(8):
        rows = [_row(ids[k % 5], f"{(n * k) % 11:x}", f"{(n + k) % 7:x}", day=n % 3) for k in range(40)]
        shuffle(rows)
        flushes.append(_insert(rows))
    await asyncio.gather(*flushes)
    expected = await Scan.raw(
        "SELECT stamp, COUNT(*) AS scans, COUNT(DISTINCT client_hash) AS clients,"
        " COUNT(DISTINCT network_hash) AS networks FROM scan GROUP BY stamp ORDER BY stamp"
    )
    # Each network's first day is the day of the scan that brought it (whichever flush came first).
    days = await Scan.raw(
        "SELECT stamp, COUNT(DISTINCT first_day) AS days FROM stamp_network GROUP BY stamp ORDER BY stamp"
    )
    counted = await Stamp.select(
        Stamp.id, Stamp.scan_count, Stamp.client_count, Stamp.network_count, Stamp.spread_days
    ).order_by(Stamp.id)
    assert [tuple(r.values()) for r in counted] == [
        (r["stamp"], r["scans"], r["clients"], r["networks"], d["days"])
        for r, d in zip(expected, days, strict=True)
    ]
    assert sum(r["scan_count"] for r in counted) == 320


async def test_scan_count_stays_exact_while_flushes_commit_between_reads(client, accounts):
    """Flushes running all the time in the app's event loop: each scan counts every earlier one
    once, none lost, none twice."""
    _, _, _, serials = await stamped(client, accounts, count=1)
    stop = threading.Event()

    async def flush_constantly():
        while not stop.is_set():
            await BUFFER.flush()
            await asyncio.sleep(0)

    # The test client serves the app in a loop of its own: the flushes run there, beside the scans.
    flusher = client.blocking_portal.start_task_soon(flush_constantly)
    try:
        counts = [(await client.get(f"/api/v1/trace/{serials[0]}")).json()["scan_count"] for _ in range(40)]
    finally:
        stop.set()
        flusher.result(timeout=30)
    assert counts == list(range(1, 41))


async def test_scans_arriving_together_are_looked_up_in_one_query_each_with_its_own_answer(
    client, accounts, monkeypatch
):
    _, _, _, serials = await stamped(client, accounts, count=4)
    asked = [*serials, *serials, "ZZZZ0000ZZZZ"]  # each stamp twice, and a serial that cannot be one
    queries: list[int] = []
    read_many = STAMP_READS.read_many

    async def counted(scans):
        queries.append(len(scans))
        return await read_many(scans)

    monkeypatch.setattr(STAMP_READS, "read_many", counted)
    app_settings, storage = app_services(client.app)
    trace_settings = app_settings.section(TraceabilitySettings)
    loop = asyncio.get_running_loop()
    scans = [  # each in a context of its own, as a request has
        loop.create_task(
            scan(serial, "203.0.113.9", "test", trace_settings, storage), context=contextvars.Context()
        )
        for serial in asked
    ]
    answers = await asyncio.gather(*scans, return_exceptions=True)
    assert isinstance(answers[-1], NotFound)
    for serial in serials:  # each stamp's two scans counted once each, in one order or the other
        counts = sorted(a.scan_count for a, s in zip(answers, asked, strict=True) if s == serial)
        assert counts == [1, 2]
    assert queries == [
        len(serials) * 2
    ]  # all ready in one turn of the loop: one query (none for a non-serial)


def test_a_scan_reads_again_only_when_a_change_since_its_read_concerned_its_stamp():
    buffer = ScanBuffer()
    read_at = buffer.generation
    assert not buffer.moved(1, read_at)
    with buffer.lock:
        buffer._changed(frozenset({1, 2}))  # a flush wrote scans of stamps 1 and 2
    assert buffer.moved(1, read_at) and buffer.moved(2, read_at)
    assert not buffer.moved(3, read_at)  # its counters and its buffered scans are as they were
    with buffer.lock:
        buffer._changed(None)  # a failed flush or a discard: any stamp
    assert buffer.moved(3, read_at)
    read_at = buffer.generation
    with buffer.lock:
        for _ in range(100):
            buffer._changed(frozenset({5}))
    assert buffer.moved(3, read_at)  # more changes than are kept: not known, so read again
    assert not buffer.moved(3, buffer.generation - 10)


async def test_a_scan_read_while_a_flush_commits_waits_for_the_commit(client, accounts, monkeypatch):
    """A scan that starts while a flush's COMMIT is unanswered cannot tell whether the database
    shows the flushed scans yet: it waits for the answer, then counts each scan once."""
    _, _, _, serials = await stamped(client, accounts, count=1)
    assert (await client.get(f"/api/v1/trace/{serials[0]}")).json()["scan_count"] == 1  # in the buffer
    app_settings, storage = app_services(client.app)
    reads: list[asyncio.Future] = []
    committing = BUFFER._committing

    def read_while_committing() -> None:
        committing()
        scanning = scan(
            serials[0], "203.0.113.9", "test", app_settings.section(TraceabilitySettings), storage
        )
        # A context of its own, as a request has: not the flush's transaction.
        reads.append(asyncio.get_running_loop().create_task(scanning, context=contextvars.Context()))

    async def flush_and_read() -> tuple[int, list[int]]:
        flushed = await BUFFER.flush()
        return flushed, [(await read).scan_count for read in reads]

    monkeypatch.setattr(BUFFER, "_committing", read_while_committing)
    assert client.blocking_portal.call(flush_and_read) == (1, [2])
    assert BUFFER.committing is None
    monkeypatch.setattr(BUFFER, "_committing", committing)  # the next flush starts no scan of its own
    await BUFFER.flush()
    assert (await Stamp.select(Stamp.scan_count).first())["scan_count"] == 2


async def test_a_flush_from_another_loop_waits_for_the_one_under_way(client, accounts, monkeypatch):
    """The app's flusher runs in the test client's loop; a flush asked from another loop (a test's)
    must not return while the app's is still writing, or a count read after it misses those scans."""
    _, _, _, serials = await stamped(client, accounts, count=1)
    assert (await client.get(f"/api/v1/trace/{serials[0]}")).json()["scan_count"] == 1  # in the buffer
    committing, entered, release = BUFFER._committing, threading.Event(), threading.Event()

    def held_before_commit() -> None:
        committing()
        entered.set()
        release.wait(timeout=30)  # holds the app's loop, as a slow COMMIT would

    monkeypatch.setattr(BUFFER, "_committing", held_before_commit)
    theirs = client.blocking_portal.start_task_soon(BUFFER.flush)
    assert await asyncio.to_thread(entered.wait, 30)
    monkeypatch.setattr(BUFFER, "_committing", committing)
    mine = asyncio.ensure_future(BUFFER.flush())
    for _ in range(20):
        await asyncio.sleep(0)  # let it run as far as it can
    assert not mine.done()
    release.set()
    assert await asyncio.to_thread(theirs.result, 30) == 1
    assert await mine == 0
    assert (await Stamp.select(Stamp.scan_count).first())["scan_count"] == 1


async def waiting_on_a_lock() -> bool:
    """Whether a session of this test's database waits on a lock (asked on a connection of its own:
    a transaction sees pg_stat_activity as it was at its first read)."""
    watcher = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        return await watcher.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock')"
        )
    finally:
        await watcher.close()


@pytest.mark.skipif(ENGINE != "postgres", reason="holds a row lock from a second connection")
async def test_a_scan_being_written_is_counted_once(client, accounts):
    """A flush stuck before its commit (the stamp row locked elsewhere): its scans still count, once."""
    _, _, _, serials = await stamped(client, accounts, count=1)
    url = f"/api/v1/trace/{serials[0]}"
    assert (await client.get(url)).json()["scan_count"] == 1  # waits in the buffer
    other = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        locking = other.transaction()
        await locking.start()
        await other.execute("SELECT 1 FROM stamp FOR UPDATE")  # the trigger's lock now waits
        flushing = asyncio.create_task(BUFFER.flush())
        await until(waiting_on_a_lock, timeout=20, every=0.05, what="the flush to wait on the lock")
        assert not flushing.done()  # the INSERT is written but not committed
        assert (await client.get(url)).json()["scan_count"] == 2
        await locking.rollback()
        assert await flushing == 1
    finally:
        await other.close()
    assert (await client.get(url)).json()["scan_count"] == 3


async def test_counterfeit_warning_long_after_expiry(client, accounts, settings):
    today = clock.today()
    _, _, _, old = await stamped(client, accounts, expiry=today - timedelta(days=31), lot="OLD")
    assert "có thể là tem giả" in (await client.get(f"/t/{old[0]}")).text
    body = (await client.get(f"/api/v1/trace/{old[0]}")).json()
    assert body["genuine_warning"] is True
    _, _, _, recent = await stamped(client, accounts, expiry=today - timedelta(days=29), lot="NEW")
    assert "có thể là tem giả" not in (await client.get(f"/t/{recent[0]}")).text


async def test_scan_endpoints_are_rate_limited_per_client(client, accounts, settings):
    _, _, _, serials = await stamped(client, accounts)
    low = dataclasses.replace(settings.section(TraceabilitySettings), scan_rate_limit="3/minute")
    app = create_app(settings.with_section(low))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as limited:
        statuses = [(await limited.get(f"/t/{serials[0]}")).status_code for _ in range(2)]
        statuses.append((await limited.get("/api/v1/trace/0000000000000000")).status_code)
        statuses.append((await limited.get(f"/api/v1/trace/{serials[0]}")).status_code)
        statuses.append((await limited.get(f"/T/{serials[1]}")).status_code)
        assert statuses == [200, 200, 404, 429, 429]
        response = await limited.get(f"/api/v1/trace/{serials[0]}")
        assert "quá nhiều lần" in response.json()["error"]["message"] and response.headers["retry-after"]
        assert response.json()["error"] == {"code": "rate_limited", "message": ANY, "fields": {}}
        assert (await limited.get("/healthz")).status_code == 200


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def test_where_to_buy_lists_the_products_live_marketplace_listings(client, accounts):
    from integrations.tables import Listing, Marketplace

    session, product, batch_id = await make_batch(accounts)
    now = _now()
    markets = {}
    for code, name in (("postmart", "Postmart"), ("voso", "Voso"), ("shopx", "Shop X")):
        row = await Marketplace.select(Marketplace.id).where(Marketplace.code == code).first()
        if row is None:
            created = Marketplace(code=code, name=name)
            await created.save()
            row = {"id": created.id}
        markets[code] = row["id"]
    shop = "https://postmart.vn/san-pham/buoi-da-xanh-cat-hai-123"
    listings = [
        ("postmart", "live", shop),  # shown
        ("voso", "pending", "https://voso.vn/p/1"),  # not live yet: not shown
        ("shopx", "live", "javascript:alert(1)"),  # not a web address: never a link on the page
    ]
    for code, state, url in listings:
        await Listing(
            product=product["id"],
            marketplace=markets[code],
            household=session.me["household_id"],
            state=state,
            external_url=url,
            created_at=now,
            updated_at=now,
        ).save()
    assert (await issue(client, session, batch_id, 1)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).first())["serial"]
    body = (await client.get(f"/api/v1/trace/{serial}")).json()
    [live] = body["where_to_buy"]
    assert live["url"] == shop and live["name"]
    html = (await client.get(f"/t/{serial}")).text
    shops = html[html.index('class="shops"') :]
    assert f'href="{shop}"' in shops and live["name"] in shops
    assert "voso.vn" not in html and "javascript:" not in html
