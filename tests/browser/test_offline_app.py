"""The phone app on a weak signal (issue 22), in a real headless Chromium at 390×844.

A household opens its pages once with a signal, goes offline (``context.set_offline``), and still
opens them from the service worker's copy with "Đang ngoại tuyến · dữ liệu lúc HH:MM"; its stock
taps, price change and diary entry are queued in IndexedDB ("Đang chờ gửi"). Back online, each is
applied exactly once and in order (the database says so), the listing's sync job follows the
product, a write the server refuses shows its reason with what was typed, and an answer lost in
the middle of the replay (the page killed after the server applied a write) is sent again on the
next load and still applied once.

Background Sync is hidden from the page here, so the page replays the queue itself, where the
test can cut an answer (``page.route``); the worker's sync calls the same outbox.js replay.
"""

from __future__ import annotations

import asyncio
import re
import threading

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from agrimarket.tables import IdempotentRequest, Product, ProductPhoto
from integrations.tables import Listing, OrderAction, SyncJob
from tests.browser.conftest import PHONE, sign_in
from tests.browser.test_order_desk import (  # the app with its worker and simulators, an order
    ANSWERED_MS,
    a_household_listing_on_voso,
    an_order_on_voso,
    desk_server,  # noqa: F401 - a fixture
)
from tests.browser.test_phone_flow import PASSWORD, assert_fits_phone, jpeg
from tests.factories import CAT_HAI, new_phone
from tests.waiting import until_sync
from traceability.tables import BatchEvent

pytestmark = pytest.mark.browser

NO_BACKGROUND_SYNC = """
Object.defineProperty(ServiceWorkerRegistration.prototype, "sync", { get: () => undefined });
"""
BANNER = re.compile(r"^Đang ngoại tuyến · dữ liệu lúc \d\d:\d\d$")


def read(query):
    """Run a Piccolo query in a thread of its own (Playwright's sync API holds this one's loop)."""
    found: list = []
    reader = threading.Thread(target=lambda: found.append(asyncio.run(query.run())))
    reader.start()
    reader.join(10)
    return found[0]


def a_household_with_a_listed_product_and_a_batch(base_url: str) -> tuple[str, int, int]:
    """(phone, product id, batch id): a product of 30 kg at 45.000 đ listed on Voso, and its batch."""
    api, phone, product_id = a_household_listing_on_voso(base_url, name="Lê Văn Nam")
    area = api.post(
        "/api/v1/growing-areas/",
        json={"name": "Vườn bưởi", "crop": "Bưởi", "area_ha": 1.0, "commune_code": CAT_HAI},
    )
    assert area.status_code == 201, area.text
    batch = api.post(
        "/api/v1/batches/",
        json={
            "product_id": product_id,
            "growing_area_id": area.json()["id"],
            "lot_code": "LO-01",
            "harvest_date": "2026-11-01",
            "quantity": 500,
            "unit": "kg",
        },
    )
    assert batch.status_code == 201, batch.text
    return phone, product_id, batch.json()["id"]


def product_row(product_id: int) -> dict:
    return read(Product.select(Product.stock, Product.price_vnd).where(Product.id == product_id).first())


def diary(batch_id: int) -> list[str]:
    rows = read(
        BatchEvent.select(BatchEvent.kind).where(BatchEvent.batch == batch_id).order_by(BatchEvent.id)
    )
    return [row["kind"] for row in rows]


def listing_of(product_id: int) -> dict:
    return read(
        Listing.select(Listing.id, Listing.version, Listing.synced_version)
        .where(Listing.product == product_id)
        .first()
    )


def job_of(listing_id: int) -> dict:
    return read(SyncJob.select(SyncJob.version, SyncJob.status).where(SyncJob.listing == listing_id).first())


def queue_states(page: Page) -> list[str]:
    return page.locator("#outbox [data-outbox-item]").evaluate_all("items => items.map(i => i.dataset.state)")


def test_writes_made_offline_are_applied_once_and_in_order_when_the_signal_returns(
    browser,
    desk_server,  # noqa: F811 - the fixture imported above
    shot,
):
    live_server = desk_server
    phone_number, product_id, batch_id = a_household_with_a_listed_product_and_a_batch(live_server)
    listing = listing_of(product_id)
    diary_before = diary(batch_id)
    expect.set_options(timeout=5_000)
    context = browser.new_context(base_url=live_server, **PHONE)
    context.set_default_timeout(5_000)
    context.add_init_script(NO_BACKGROUND_SYNC)
    page: Page = context.new_page()
    try:
        sign_in(page, phone_number, PASSWORD)
        expect(page).to_have_url(re.compile(r"/products$"))
        # Installable: the manifest is linked and the worker takes this page over.
        manifest = page.locator('link[rel="manifest"]').get_attribute("href")
        assert httpx.get(live_server + manifest).json()["start_url"] == "/products"
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        # With a signal: the household's pages are kept as they are opened.
        page.goto(f"/batches/{batch_id}")
        expect(page.locator("#diary")).to_be_visible()
        page.goto("/products")
        card = page.locator(f"#product-{product_id}")
        expect(card.get_by_test_id("stock")).to_have_text("Còn 30 kg")

        context.set_offline(True)
        page.wait_for_function("() => !navigator.onLine")
        plus = card.get_by_role("button", name="Thêm 1")
        plus.click()
        plus.click()
        card.get_by_label("Giá (đồng)").fill("52.000")
        card.get_by_role("button", name="Đổi giá").click()
        card.get_by_label("Giá (đồng)").fill("năm chục")  # the server refuses this one
        card.get_by_role("button", name="Đổi giá").click()
        expect(card.locator("[data-outbox-note]")).to_have_count(4)
        expect(card.locator("[data-outbox-note]").first).to_contain_text("Đang chờ gửi")

        # Offline, the batch page opens from the kept copy, and its one-tap entry is queued too.
        page.goto(f"/batches/{batch_id}")
        expect(page.locator("[data-offline-banner]")).to_have_text(BANNER)
        page.locator("#diary").get_by_role("button", name="+ Tưới nước").click()
        expect(page.locator("#outbox [data-outbox-count]")).to_have_text("5")
        page.goto("/products")
        expect(page.locator("[data-offline-banner]")).to_have_text(BANNER)
        assert queue_states(page) == ["queued"] * 5
        assert_fits_phone(page)
        shot(page, "offline-01-queued")
        assert product_row(product_id) == {"stock": 30, "price_vnd": 45_000}  # nothing sent yet

        # The first write reaches the server but its answer is lost, as when the page is killed in
        # the middle of the replay: the write stays queued, with its key.
        lost: list[str] = []

        def lose_first_answer(route: Route) -> None:
            if not lost:
                route.fetch()  # the server applies it
                lost.append(route.request.headers["idempotency-key"])
                route.abort()
            else:
                route.continue_()

        page.route(re.compile(r"/products/\d+/stock$"), lose_first_answer)
        with page.expect_event("requestfailed"):  # Playwright runs the route while it waits
            context.set_offline(False)
        assert lost and product_row(product_id)["stock"] == 31  # applied, but the phone never heard
        assert queue_states(page) == ["queued"] * 5  # the replay stopped at the lost answer
        page.unroute(re.compile(r"/products/\d+/stock$"))

        page.reload()  # the page opened again: the queue is sent again, from the lost answer on
        # Each of the five answered (the count's "0" in the HTML shows before the queue is read).
        answered = page.locator('#outbox [data-outbox-item]:not([data-state="queued"])')
        expect(answered).to_have_count(5, timeout=10_000)
        expect(page.locator("#outbox [data-outbox-count]")).to_have_text("0")
        assert queue_states(page) == ["sent", "sent", "sent", "refused", "sent"]
        assert product_row(product_id) == {"stock": 32, "price_vnd": 52_000}  # each once; last good price
        assert diary(batch_id) == [*diary_before, "irrigation"]
        keys = read(IdempotentRequest.select(IdempotentRequest.key))
        assert lost[0] in {row["key"] for row in keys}
        # The listing follows: three product writes (two taps, one price), one version each, and
        # the sync worker pushes the newest to the marketplace.
        wanted = listing["version"] + 3
        until_sync(
            lambda: listing_of(product_id)["synced_version"] == wanted,
            timeout=20,
            every=0.1,
            what="the listing's sync job to push the new stock and price",
        )
        assert listing_of(product_id)["version"] == wanted
        assert job_of(listing["id"]) == {"version": wanted, "status": "done"}

        # The refused price: the server's reason, and what was typed kept to fix and send again.
        refused = page.locator('#outbox [data-state="refused"]')
        expect(refused).to_contain_text("Bị từ chối")
        expect(refused).to_contain_text("năm chục")
        card = page.locator(f"#product-{product_id}")
        expect(card.get_by_test_id("stock")).to_have_text("Còn 32 kg")
        expect(page.locator("[data-offline-banner]")).to_have_count(0)
        assert_fits_phone(page)
        shot(page, "offline-02-sent")
    finally:
        context.close()


def test_logging_out_forgets_the_kept_pages(browser, desk_server):  # noqa: F811 - imported above
    live_server = desk_server
    phone_number, _, _ = a_household_with_a_listed_product_and_a_batch(live_server)
    context = browser.new_context(base_url=live_server, **PHONE)
    context.set_default_timeout(5_000)
    page: Page = context.new_page()
    try:
        sign_in(page, phone_number, PASSWORD)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.goto("/products")
        kept = "caches.open('pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
        assert "/products" in page.evaluate(kept)
        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.get_by_role("link", name="Đăng nhập").first).to_be_visible()
        assert page.evaluate(kept) == []
        context.set_offline(True)
        page.goto("/products")
        expect(page.locator("[data-offline-banner]")).to_contain_text("chưa từng mở")
    finally:
        context.close()


def test_an_order_confirmed_offline_is_sent_once_when_the_signal_returns(
    browser,
    desk_server,  # noqa: F811 - imported above
):
    phone_number, ref = an_order_on_voso(desk_server)
    context = browser.new_context(base_url=desk_server, **PHONE)
    context.set_default_timeout(5_000)
    context.add_init_script(NO_BACKGROUND_SYNC)
    page: Page = context.new_page()
    try:
        sign_in(page, phone_number, PASSWORD)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.goto("/orders")
        page.locator("section.order", has_text=ref).get_by_role("link", name=re.compile(ref)).click()
        expect(page).to_have_url(re.compile(r"/orders/\d+$"))
        order_id = int(page.url.rsplit("/", 1)[-1])

        context.set_offline(True)
        page.reload()  # the kept copy
        expect(page.locator("[data-offline-banner]")).to_have_text(BANNER)
        page.get_by_role("button", name="Đồng ý xác nhận").click()
        expect(page.locator('#outbox [data-state="queued"]')).to_contain_text("Đồng ý xác nhận")
        assert confirmations(order_id) == 0

        context.set_offline(False)
        expect(page.locator('#outbox [data-state="sent"]')).to_contain_text("Đã gửi", timeout=10_000)
        page.reload()  # the queue is not sent twice
        expect(page.locator('#outbox [data-state="sent"]')).to_have_count(1)
        expect(page.get_by_test_id("result")).to_have_text("✓ Xác nhận đơn: đã xong", timeout=ANSWERED_MS)
        assert confirmations(order_id) == 1
    finally:
        context.close()


def confirmations(order_id: int) -> int:
    return read(OrderAction.count().where((OrderAction.order == order_id) & (OrderAction.kind == "confirm")))


def test_a_new_product_typed_offline_is_kept_with_its_photo_resized_and_listed_once(browser, live_server):
    phone_number = new_phone()
    registered = httpx.post(
        f"{live_server}/api/v1/auth/register",
        json={
            "phone": phone_number,
            "password": PASSWORD,
            "full_name": "Phạm Thị Lan",
            "commune_code": CAT_HAI,
        },
    )
    assert registered.status_code == 201, registered.text
    me = httpx.get(
        f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {registered.json()['token']}"}
    )
    household_id = me.json()["household_id"]
    context = browser.new_context(base_url=live_server, **PHONE)
    context.set_default_timeout(5_000)
    context.add_init_script(NO_BACKGROUND_SYNC)
    page: Page = context.new_page()
    try:
        sign_in(page, phone_number, PASSWORD)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.goto("/products/new")

        context.set_offline(True)
        page.reload()
        expect(page.locator("[data-offline-banner]")).to_have_text(BANNER)
        camera = jpeg(4000, 3000)  # a phone camera's photo
        page.set_input_files("#photos", {"name": "buoi.jpg", "mimeType": "image/jpeg", "buffer": camera})
        page.get_by_label("Tên sản phẩm").fill("Bưởi Diễn")
        page.get_by_label("Loại").select_option(label="Trái cây")
        page.get_by_label("Đơn vị").select_option(label="kg")
        page.get_by_label("Giá (đồng)").fill("40.000")
        page.get_by_label("Số lượng có").fill("50")
        page.get_by_role("button", name="Đăng sản phẩm", exact=True).click()
        expect(page.locator("form[data-kept]")).to_have_count(1)
        expect(page.locator('#outbox [data-state="queued"]')).to_contain_text("Bưởi Diễn · 📷 1")
        kept = page.evaluate(
            """async () => {
              const [item] = await Outbox.all();
              const photo = item.parts.find((part) => part.blob);
              const bitmap = await createImageBitmap(photo.blob);
              return [bitmap.width, bitmap.height, photo.blob.size, photo.blob.type];
            }"""
        )
        assert kept[:2] == [1600, 1200] and kept[3] == "image/jpeg" and kept[2] < len(camera)

        context.set_offline(False)
        expect(page.locator('#outbox [data-state="sent"]')).to_contain_text("Đã gửi", timeout=10_000)
        page.reload()
        expect(page.locator('#outbox [data-state="sent"]')).to_have_count(1)
        products = read(
            Product.select(Product.id, Product.name, Product.stock).where(
                Product.owner_household == household_id
            )
        )
        assert [(p["name"], p["stock"]) for p in products] == [("Bưởi Diễn", 50)]
        photos = read(
            ProductPhoto.select(ProductPhoto.width).where(ProductPhoto.product == products[0]["id"])
        )
        assert len(photos) == 1 and photos[0]["width"] <= 1600
    finally:
        context.close()


def test_the_worker_sends_the_queue_when_no_page_is_open(browser, desk_server):  # noqa: F811 - imported above
    """Background Sync's leg: the write is kept by the page, the page is closed, and the worker's
    sync handler (``syncOutbox``, what the browser's ``sync`` event runs) sends it once."""
    phone_number, product_id, _ = a_household_with_a_listed_product_and_a_batch(desk_server)
    context = browser.new_context(base_url=desk_server, **PHONE)
    context.set_default_timeout(5_000)
    context.add_init_script(NO_BACKGROUND_SYNC)  # the test, not the browser, says when to sync
    page: Page = context.new_page()
    try:
        sign_in(page, phone_number, PASSWORD)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        page.wait_for_function("() => !navigator.onLine")
        page.locator(f"#product-{product_id}").get_by_role("button", name="Thêm 1").click()
        expect(page.locator('#outbox [data-state="queued"]')).to_have_count(1)
        page.close()  # no page left to send it

        context.set_offline(False)
        worker = context.service_workers[0]
        worker.evaluate("() => syncOutbox()")
        worker.evaluate("() => syncOutbox()")  # a second sync finds nothing left to send
        assert product_row(product_id)["stock"] == 31
        states = worker.evaluate("() => Outbox.all().then((items) => items.map((i) => i.state))")
        assert states == ["sent"]
    finally:
        context.close()
