"""The order desk on a weak signal (issue 22, point 3), in a real headless Chromium at 390×844.

A household opens its orders with a signal; offline (``context.set_offline``) the inbox, an order's
page and its ship form open from the service worker's copies with "Đang ngoại tuyến · dữ liệu lúc
HH:MM"; it confirms one order, ships three others with the options the kept ship forms show and
cancels a fifth with one of the marketplace's reasons. Meanwhile the buyer cancels the third order
at the marketplace. The page is closed, the signal returns,
and the browser's own Background Sync event (dispatched through the DevTools protocol, as Chromium
fires it) replays the queue from the service worker: the confirmation, the first shipment and the
cancellation are applied exactly once at the Voso simulator, and the third is refused by our server (the
marketplace's state wins), its queue line showing the reason and the option that was chosen. A
fourth shipment, chosen from a kept pickup slot the carrier has withdrawn since, is taken by our
server and refused by the marketplace: the queue follows the action there and shows that refusal.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from integrations.plugin import IntegrationsPlugin
from integrations.settings import IntegrationsSettings
from integrations.simulators.state import SimState
from integrations.tables import OrderAction
from tests.browser.conftest import PHONE, served, sign_in
from tests.browser.test_offline_app import BANNER, NO_BACKGROUND_SYNC, read
from tests.browser.test_order_desk import ANSWERED_MS, a_household_listing_on_voso
from tests.browser.test_phone_flow import PASSWORD, assert_fits_phone
from tests.integrations.conftest import FAST
from tests.waiting import until_sync

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_app(settings) -> Iterator[tuple[str, SimState]]:
    """The app with its in-process worker and the mounted simulators: (its URL, Voso's state)."""
    from agrimarket.app import create_app

    made = []

    def make_app(base_url: str):
        served_settings = dataclasses.replace(settings, public_base_url=base_url)
        integrations = dataclasses.replace(
            served_settings.section(IntegrationsSettings), worker="inprocess", simulators=True, **FAST
        )
        made.append(create_app(served_settings.with_section(integrations)))
        return made[0]

    with served(make_app) as url:
        plugin = made[0].plugins.get(IntegrationsPlugin)
        yield url, plugin.simulator_apps["/sim/voso"].state.sim


def orders_on_voso(base_url: str, count: int) -> tuple[httpx.Client, str, list[tuple[int, str]]]:
    """A household with a product live on Voso and ``count`` buyers' orders of it, told by webhook:
    (its API client, its phone, [(our order id, Voso's order code)] oldest first)."""
    api, phone, product_id = a_household_listing_on_voso(base_url, name="Phạm Thị Hoa")

    def live_item() -> str:
        listings = api.get(f"/api/v1/products/{product_id}/listings").json()
        return next((x["external_url"].rsplit("/", 1)[-1] for x in listings if x["state"] == "live"), "")

    item = until_sync(live_item, timeout=30, every=0.1, what="the listing to be live on Voso")
    refs = []
    for _ in range(count):
        bought = httpx.post(f"{base_url}/sim/voso/orders/{item}", params={"quantity": 1, "payment": "cod"})
        assert bought.status_code == 200, bought.text
        refs.append(bought.json()["order_id"])

    def all_in_inbox() -> list[tuple[int, str]]:
        ids = {o["order_ref"]: o["id"] for o in api.get("/api/v1/orders/inbox").json()["orders"]}
        return [(ids[ref], ref) for ref in refs] if all(ref in ids for ref in refs) else []

    return api, phone, until_sync(all_in_inbox, timeout=30, every=0.1, what="the orders by webhook")


def stage(api: httpx.Client, order_id: int) -> str:
    return api.get(f"/api/v1/orders/{order_id}").json()["stage"]


def actions(order_id: int, kind: str) -> int:
    return read(OrderAction.count().where((OrderAction.order == order_id) & (OrderAction.kind == kind)))


def stages_pushed(sim: SimState, order_ref: str) -> list[str]:
    """The stages Voso pushed to us for one order, oldest first (one per change it applied)."""
    events = [json.loads(body) for body, _ in sim.sent]
    return [e["stage"] for e in events if e.get("type") == "order" and e["order_id"] == order_ref]


def dispatch_background_sync(page: Page, origin: str) -> None:
    """The browser's ``sync`` event for the "outbox" tag, fired in our worker by Chromium itself."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"])
    )
    cdp.send("ServiceWorker.enable")  # the origin's registrations follow as events

    def ours() -> dict | None:
        cdp.send("ServiceWorker.enable")  # a round trip: the events sent meanwhile are delivered
        scope = origin + "/"
        return next((r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"]), None)

    registration = until_sync(ours, timeout=10, every=0.05, what="the worker's registration over CDP")
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": origin,
            "registrationId": registration["registrationId"],
            "tag": "outbox",
            "lastChance": False,
        },
    )
    cdp.detach()


def test_desk_actions_made_offline_are_applied_once_and_a_refused_one_keeps_its_choice(browser, desk_app):
    base_url, voso = desk_app
    api, phone_number, orders = orders_on_voso(base_url, 5)
    (to_confirm, ref_a), (to_ship, ref_b), (cancelled, ref_c), (stale, ref_d), (to_cancel, ref_e) = orders
    for order_id in (to_ship, cancelled, stale):  # confirmed with a signal, the day before
        assert api.post(f"/api/v1/orders/{order_id}/confirm").status_code == 202
    for order_id in (to_ship, cancelled, stale):
        until_sync(lambda o=order_id: stage(api, o) == "to_ship", timeout=30, every=0.1, what="confirmed")

    expect.set_options(timeout=5_000)
    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(5_000)
    # Hidden from the page, so it never registers a sync the browser fires on its own (at a moment
    # the test does not choose); the test fires the browser's sync event itself below.
    context.add_init_script(NO_BACKGROUND_SYNC)
    page: Page = context.new_page()
    try:
        sign_in(page, phone_number, PASSWORD)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        # With a signal: the inbox, two orders and three ship forms are kept as they are opened.
        for path in (
            "/orders",
            f"/orders/{to_confirm}",
            f"/orders/{to_cancel}",
            f"/orders/{to_ship}/ship",
            f"/orders/{stale}/ship",
            f"/orders/{cancelled}/ship",
        ):
            page.goto(path)
            expect(page.locator("[data-offline-banner]")).to_have_count(0)
        expect(page.locator("main")).to_contain_text("Viettel Post")

        context.set_offline(True)
        page.goto("/orders")
        expect(page.locator("[data-offline-banner]")).to_have_text(BANNER)
        expect(page.locator("section.order", has_text=ref_a)).to_be_visible()

        page.goto(f"/orders/{to_confirm}")
        expect(page.locator("[data-offline-banner]")).to_have_text(BANNER)
        page.get_by_role("button", name="Đồng ý xác nhận").click()
        expect(page.locator('#outbox [data-state="queued"]')).to_have_count(1)

        page.goto(f"/orders/{to_ship}/ship")  # the options the marketplace offered, as kept
        expect(page.locator("[data-offline-banner]")).to_have_text(BANNER)
        pickup = page.locator('input[name="choice"][value^="pickup|"]').first
        pickup.check()
        slot = pickup.locator("xpath=..").inner_text().strip()
        assert_fits_phone(page)
        page.get_by_role("button", name="Xác nhận gửi hàng").click()
        expect(page.locator('#outbox [data-state="queued"]')).to_have_count(2)

        page.goto(f"/orders/{cancelled}/ship")
        page.get_by_label(re.compile("Bưu cục Viettel Post Ninh Kiều")).check()
        page.get_by_role("button", name="Xác nhận gửi hàng").click()
        expect(page.locator('#outbox [data-state="queued"]')).to_have_count(3)

        # The fourth ship form was kept with a pickup slot the carrier has withdrawn since.
        page.goto(f"/orders/{stale}/ship")
        withdrawn = page.locator('input[name="choice"][value^="pickup|"]').first
        withdrawn.evaluate("(radio) => { radio.value = radio.value.replace(/[^|]*$/, '20200101-AM'); }")
        withdrawn.check()
        page.get_by_role("button", name="Xác nhận gửi hàng").click()
        expect(page.locator('#outbox [data-state="queued"]')).to_have_count(4)

        page.goto(f"/orders/{to_cancel}")  # the fifth is cancelled, with one of Voso's reasons
        page.locator("summary", has_text="Hủy đơn").click()
        page.get_by_label("Sai giá sản phẩm").check()
        page.get_by_role("button", name="Hủy đơn này").click()
        queued = page.locator('#outbox [data-state="queued"]')
        expect(queued).to_have_count(5)
        expect(queued.nth(4)).to_contain_text(f"{ref_e} · Hủy đơn này: Sai giá sản phẩm")
        expect(queued.nth(0)).to_contain_text(f"{ref_a} · Đồng ý xác nhận")
        expect(queued.nth(1)).to_contain_text(f"{ref_b} · Xác nhận gửi hàng: {slot}")
        expect(queued.nth(2)).to_contain_text("Bưu cục Viettel Post Ninh Kiều")
        assert actions(to_confirm, "confirm") == 0 and actions(to_ship, "arrange_shipment") == 0

        # Meanwhile the buyer cancels the third order at the marketplace, and we are told.
        told = httpx.post(f"{base_url}/sim/voso/orders/{ref_c}/status", params={"status": "cancelled"})
        assert told.status_code == 200, told.text
        until_sync(lambda: stage(api, cancelled) == "cancelled", timeout=30, every=0.1, what="the webhook")

        page.close()  # no page of ours is open when the signal returns
        context.set_offline(False)
        blank = context.new_page()
        dispatch_background_sync(blank, base_url)
        until_sync(
            lambda: actions(to_confirm, "confirm") == 1 and actions(to_ship, "arrange_shipment") == 1,
            timeout=30,
            every=0.1,
            what="the worker's sync to send the queue",
        )

        page = blank
        page.goto(f"/orders/{to_confirm}")
        items = page.locator("#outbox [data-outbox-item]")
        expect(items.nth(0)).to_have_attribute("data-state", "sent")
        expect(items.nth(1)).to_have_attribute("data-state", "sent")
        refused = items.nth(2)
        expect(refused).to_have_attribute("data-state", "refused")
        # The reason is the server's; what was chosen stays on the line, to choose again or drop.
        expect(refused).to_contain_text("Bị từ chối: Đơn đang ở trạng thái “Đã hủy”, không thể gửi hàng.")
        expect(refused).to_contain_text("Bưu cục Viettel Post Ninh Kiều")
        expect(page.get_by_test_id("result")).to_have_text("✓ Xác nhận đơn: đã xong", timeout=ANSWERED_MS)
        # Our server took the fourth; the marketplace refused it later, and the queue follows it there.
        expect(items.nth(0)).to_contain_text("Đã gửi · sàn đã nhận", timeout=ANSWERED_MS)
        expect(items.nth(4)).to_contain_text("Đã gửi · sàn đã nhận", timeout=ANSWERED_MS)
        withdrawn = items.nth(3)
        expect(withdrawn).to_have_attribute("data-state", "refused", timeout=ANSWERED_MS)
        expect(withdrawn).to_contain_text("Bị từ chối: Khung giờ lấy hàng không còn")
        expect(withdrawn).to_contain_text(f"{ref_d} · Xác nhận gửi hàng: {slot}")

        # At the marketplace: confirmed once, shipped once, the cancelled order left as it is.
        until_sync(lambda: voso.orders[ref_b].stage == "to_pickup", timeout=30, every=0.1, what="the waybill")
        assert stages_pushed(voso, ref_a).count("to_ship") == 1
        assert stages_pushed(voso, ref_b).count("to_pickup") == 1
        assert stages_pushed(voso, ref_e).count("cancelled") == 1
        assert voso.orders[ref_e].cancel_reason == "WRONG_PRICE"
        assert voso.orders[ref_c].stage == "cancelled" and not voso.orders[ref_c].tracking_number

        dispatch_background_sync(page, base_url)  # a second sync finds nothing left to send
        page.reload()
        expect(page.locator("#outbox [data-outbox-item]")).to_have_count(5)
        assert (actions(to_confirm, "confirm"), actions(to_ship, "arrange_shipment")) == (1, 1)
        assert actions(cancelled, "arrange_shipment") == 0 and actions(stale, "arrange_shipment") == 1
        assert actions(to_cancel, "cancel") == 1
        assert voso.orders[ref_d].stage == "to_ship" and not voso.orders[ref_d].tracking_number
    finally:
        context.close()
