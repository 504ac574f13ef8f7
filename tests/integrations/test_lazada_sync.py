"""Lazada through the whole loop over real HTTP, its simulator failing 30 % of the writes: the code
traded for tokens at connect, the listing created once, price and stock applied, delisting
idempotent, orders received once by the pull."""

from __future__ import annotations

import httpx

from agrimarket import clock
from agrimarket.indicators.area import area_by_code
from agrimarket.indicators.service import build_report
from integrations.adapters.base import Account
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.simulators.state import Faults
from integrations.tables import Listing, MarketplaceOrder, OrderItem
from tests.factories import HAI_PHONG
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish
from tests.integrations.test_shopee_sync import stored_credentials

SELLER = "200001"


def thirty_percent() -> Faults:
    # Each a share of the writes: refused (503), throttled (429), held past our timeout, answer lost.
    return Faults(
        error_rate=0.1, throttle_rate=0.05, timeout_rate=0.05, drop_rate=0.1, hang_s=0.8, retry_after_s=0.05
    )


async def live_on_lazada(client, accounts, worker, sims, int_settings, **product) -> tuple:
    farmer = await accounts.household()
    await connect(client, farmer, "lazada", SELLER)
    stored = await stored_credentials(int_settings)
    assert "code" not in stored and stored["access_token"] and stored["refresh_token"]
    made = await product_with_photo(accounts, farmer, **product)
    sims["lazada"].state.config.faults = thirty_percent()
    assert (await publish(client, farmer, made["id"], "lazada")).status_code == 202
    await drain(worker)
    listing = await Listing.select().first()
    assert listing["state"] == "live", listing
    return farmer, made, listing


async def test_listed_once_changed_and_delisted_idempotently_under_faults(
    client, accounts, worker, sims, int_settings
):
    lazada = sims["lazada"].state
    farmer, product, listing = await live_on_lazada(client, accounts, worker, sims, int_settings)
    assert len(lazada.items) == 1, "a lost create answer made a second item"
    item = lazada.items[listing["external_id"]]
    assert listing["external_url"] == f"{sims['lazada'].url}/item/{item.id}"
    assert item.shop_id == SELLER and item.fields["stock"] == product["stock"]
    assert all("/lazada-sim/" in url for url in item.fields["images"])  # migrated onto Lazada first
    assert sum(lazada.injected.values()) > 0, "no fault was played"
    # The indicators count it as a synced marketplace like the others.
    report = await build_report(await area_by_code(HAI_PHONG), clock.today(), with_series=False)
    assert report.households == 1
    assert {m.key: (m.households, m.live_listings) for m in report.marketplaces} == {"lazada": (1, 1)}

    changed = await client.patch(
        f"/api/v1/products/{product['id']}", json={"price_vnd": 45_000, "stock": 7}, headers=farmer.headers
    )
    assert changed.status_code == 200, changed.text
    await drain(worker)
    assert (item.fields["price"], item.fields["stock"]) == (45_000, 7)
    assert len(lazada.items) == 1

    archived = await client.patch(
        f"/api/v1/products/{product['id']}", json={"status": "archived"}, headers=farmer.headers
    )
    assert archived.status_code == 200, archived.text
    await drain(worker)
    assert item.status == "delisted"
    assert (await Listing.select().first())["state"] == "delisted"
    # Deactivating again answers the same state and changes nothing.
    lazada.config.faults = Faults()
    writes = lazada.writes_applied
    account = Account(SELLER, await stored_credentials(int_settings))
    again = await worker.adapters.get("lazada").delist(account, item.id, "again")
    assert again.state == "delisted" and lazada.writes_applied == writes


async def test_orders_are_received_once_by_the_pull(client, accounts, worker, sims, int_settings):
    _, _, listing = await live_on_lazada(
        client, accounts, worker, sims, int_settings, unit="kg", price_vnd=50_000, stock=10
    )
    url = sims["lazada"].url
    bought = httpx.post(f"{url}/orders/{listing['external_id']}", params={"quantity": 2})
    assert bought.status_code == 200, bought.text
    pull = worker.adapters, int_settings.section(IntegrationsSettings)
    assert await pull_orders(*pull) == 1
    assert await pull_orders(*pull) == 0  # the same order again is no new order
    order = await MarketplaceOrder.select().first()
    assert (order["status"], order["amount_vnd"]) == ("placed", 100_000)
    items = await OrderItem.select().where(OrderItem.order == order["id"])
    assert [(i["quantity"], i["price_vnd"]) for i in items] == [(2, 50_000)]  # two Lazada units, one line
    moved = httpx.post(f"{url}/orders/{bought.json()['order_id']}/status", params={"status": "shipped"})
    assert moved.status_code == 200, moved.text
    assert await pull_orders(*pull) == 1
    assert await MarketplaceOrder.count() == 1
    assert (await MarketplaceOrder.select().first())["status"] == "shipped"
