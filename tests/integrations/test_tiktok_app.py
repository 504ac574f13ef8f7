"""Connecting a TikTok Shop through its own authorisation page (the simulator's consent page), from the
accounts page, and a TikTok listing synced by the worker over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from agrimarket.media.storage import build_storage
from integrations import crypto
from integrations.orders.pull import pull_orders
from integrations.plugin import build_adapters
from integrations.settings import IntegrationsSettings
from integrations.simulators import base
from integrations.simulators.tiktok_auth import demo_credentials
from integrations.tables import Listing, MarketplaceAccount, MarketplaceOrder
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.integrations.conftest import drain
from tests.integrations.helpers import product_with_photo, publish
from tests.waiting import until

SHOP = "7495000000000000042"
BACK = "http://testserver.local/marketplace-accounts/tiktok/authorized"


@pytest.fixture
def tiktok(sims):
    return sims["tiktok"]


async def test_connect_through_tiktoks_consent_page(client, accounts, tiktok, int_settings):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    page = await client.get("/marketplace-accounts")
    assert 'formaction="/marketplace-accounts/tiktok/authorize"' in page.text
    app = demo_credentials(SHOP)
    typed = {
        "_csrf_token": csrf(page.text),
        "shop_id": SHOP,
        "app_key": app["app_key"],
        "app_secret": app["app_secret"],
    }
    started = await client.post("/marketplace-accounts/tiktok/authorize", data=typed, follow_redirects=False)
    assert started.status_code in (302, 303)
    consent_url = httpx.URL(started.headers["location"])
    assert (
        str(consent_url).startswith(f"{tiktok.url}/oauth/authorize")
        and consent_url.params["app_key"] == app["app_key"]
    )
    assert app["app_secret"] not in str(consent_url)  # only the state goes through the marketplace
    async with httpx.AsyncClient() as browser:  # the seller on TikTok's page, over real HTTP
        assert "Đồng ý" in (await browser.get(consent_url)).text
        approved = await browser.post(
            f"{tiktok.url}/oauth/authorize",
            data={"app_key": app["app_key"], "state": consent_url.params["state"], "shop_id": SHOP},
        )
    back = httpx.URL(approved.headers["location"])
    assert str(back).startswith(BACK)
    # A callback whose state is not ours is refused and connects nothing.
    forged = await client.get(back.path, params={"code": back.params["code"], "state": "forged"})
    assert forged.status_code == 422 and "Ủy quyền" in forged.text and await MarketplaceAccount.count() == 0
    done = await client.get(back.path, params=dict(back.params), follow_redirects=False)
    assert (
        done.status_code in (302, 303)
        and done.headers["location"] == "/marketplace-accounts?connected=tiktok"
    )
    stored = await MarketplaceAccount.select().first()
    creds = crypto.decrypt(
        int_settings.section(IntegrationsSettings).credentials_key, stored["credentials_encrypted"]
    )
    assert (
        stored["shop_id"] == SHOP
        and creds["access_token"]
        and creds["shop_cipher"] == tiktok.state.cipher(SHOP)
    )
    assert "auth_code" not in creds  # traded once for tokens, not kept
    # The cookie is spent: the same callback again cannot connect a second time.
    again = await client.get(back.path, params=dict(back.params))
    assert again.status_code == 422


async def test_worker_syncs_a_tiktok_listing_once_under_30_percent_faults(
    client, accounts, worker, tiktok, int_settings
):
    """Listed once, price and stock changed once, delisted once, each order received once."""
    sim = tiktok.state
    farmer = await accounts.household()
    creds = demo_credentials(SHOP)
    connected = await client.post(
        "/api/v1/marketplace-accounts",
        json={"marketplace": "tiktok", "shop_id": SHOP, "credentials": creds},
        headers=farmer.headers,
    )
    assert connected.status_code == 201, connected.text
    product = await product_with_photo(accounts, farmer, unit_weight_g=300)
    await build_storage(int_settings).put(
        f"p/{product['id']}.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"
    )
    faults = sim.config.faults
    sim._random.seed(3)  # dice whose first throws inject faults within these few writes
    faults.error_rate = faults.throttle_rate = faults.timeout_rate = faults.drop_rate = 0.075
    faults.hang_s, faults.retry_after_s = 0.8, 0.05
    assert (await publish(client, farmer, product["id"], "tiktok")).status_code == 202
    await drain(worker)
    listing = await Listing.select().first()
    assert listing["state"] == "live" and len(sim.items) == 1
    item = sim.items[listing["external_id"]]
    assert sim.calls[(item.id, "create")] == 1 and item.fields["weight"] == {
        "value": "0.3",
        "unit": "KILOGRAM",
    }
    changed = await client.patch(
        f"/api/v1/products/{product['id']}", json={"price_vnd": 47000, "stock": 9}, headers=farmer.headers
    )
    assert changed.status_code == 200, changed.text
    await drain(worker)
    await until(lambda: not base._late_applies, what="held writes to land")
    assert (item.fields["price"], item.fields["stock"]) == (47000, 9)
    assert sim.calls[(item.id, "prices/update")] == 1 and sim.calls[(item.id, "inventory/update")] == 1
    # Orders: pulled twice over the faulty API, each is received once.
    async with httpx.AsyncClient(base_url=tiktok.url) as buyer:
        for _ in range(2):
            assert (await buyer.post(f"/orders/{item.id}", params={"quantity": 2})).status_code == 200
    adapters = build_adapters(int_settings)
    try:
        settings = int_settings.section(IntegrationsSettings)
        assert await pull_orders(adapters, settings) == 2
        await MarketplaceAccount.update({MarketplaceAccount.orders_pulled_at: 0.0}).where(
            MarketplaceAccount.id > 0
        )
        assert await pull_orders(adapters, settings) == 0
    finally:
        await adapters.aclose()
    orders = await MarketplaceOrder.select(MarketplaceOrder.status, MarketplaceOrder.stage)
    assert orders == [{"status": "placed", "stage": "to_ship"}] * 2
    archived = await client.patch(
        f"/api/v1/products/{product['id']}", json={"status": "archived"}, headers=farmer.headers
    )
    assert archived.status_code == 200, archived.text
    await drain(worker)
    await until(lambda: not base._late_applies, what="held writes to land")
    assert item.status == "delisted" and sim.calls[(item.id, "deactivate")] == 1
    assert (await Listing.select().first())["state"] == "delisted"
    assert sum(sim.injected.values()) > 0
