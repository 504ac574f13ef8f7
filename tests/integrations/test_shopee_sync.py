"""Shopee through the whole loop: connect (code traded for tokens), publish by the worker, and token
renewals written back to the account so every worker process uses the new pair."""

from __future__ import annotations

import time

from integrations import crypto
from integrations.adapters.leased_tokens import LEASE_S
from integrations.listings.tokens import AccountTokenStore
from integrations.settings import IntegrationsSettings
from integrations.simulators.shopee_logistics import CHANNELS
from integrations.tables import Listing, MarketplaceAccount
from tests.integrations.conftest import drain
from tests.integrations.helpers import WEBP_PHOTO, connect, product_with_photo, publish


async def stored_credentials(int_settings) -> dict[str, str]:
    row = await MarketplaceAccount.select().first()
    return crypto.decrypt(
        int_settings.section(IntegrationsSettings).credentials_key, row["credentials_encrypted"]
    )


async def photo_in_storage(int_settings, product_id: int) -> None:
    from agrimarket.media.storage import build_storage

    await build_storage(int_settings).put(f"p/{product_id}.webp", WEBP_PHOTO, "image/webp")


async def test_live_on_shopee_and_tokens_renewed_once(client, accounts, worker, sims, int_settings):
    farmer = await accounts.household()
    await connect(client, farmer, "shopee", "880001")
    stored = await stored_credentials(int_settings)
    # The one-time code was traded for tokens at connect time; only the tokens are kept.
    assert "code" not in stored and stored["access_token"] and stored["refresh_token"]
    product = await product_with_photo(accounts, farmer, unit_weight_g=300)  # a bunch weighs 300 g
    await photo_in_storage(int_settings, product["id"])
    assert (await publish(client, farmer, product["id"], "shopee")).status_code == 202
    await drain(worker)
    listing = await Listing.select().first()
    assert listing["state"] == "live", listing
    assert listing["external_url"] == f"{sims['shopee'].url}/product/880001/{listing['external_id']}"
    item = sims["shopee"].state.items[listing["external_id"]]
    assert item.fields["stock"] == product["stock"] and item.fields["images"]
    # Twenty minutes before expiry: the next push renews, and the new pair is stored for everyone.
    soon = stored | {"expire_at": str(int(time.time()) + 1200)}
    await MarketplaceAccount.update(
        {
            MarketplaceAccount.credentials_encrypted: crypto.encrypt(
                int_settings.section(IntegrationsSettings).credentials_key, soon
            )
        },
        force=True,
    )
    await client.patch(f"/api/v1/products/{product['id']}", json={"price_vnd": 45000}, headers=farmer.headers)
    await drain(worker)
    renewed = await stored_credentials(int_settings)
    assert sims["shopee"].state.renewals == 1
    assert renewed["refresh_token"] != stored["refresh_token"]
    assert float(renewed["expire_at"]) > time.time() + 3 * 3600
    assert item.fields["price"] == 45000
    assert (await MarketplaceAccount.select().first())["token_lease_until"] == 0.0


async def listed_on_shopee(client, accounts, worker, int_settings, **product) -> tuple:
    farmer = await accounts.household()
    await connect(client, farmer, "shopee", "880001")
    made = await product_with_photo(accounts, farmer, **product)
    await photo_in_storage(int_settings, made["id"])
    assert (await publish(client, farmer, made["id"], "shopee")).status_code == 202
    await drain(worker)
    return farmer, made, await Listing.select().where(Listing.product == made["id"]).first()


async def test_a_product_sold_by_kg_goes_out_weighing_one_kg(client, accounts, worker, sims, int_settings):
    _, _, listing = await listed_on_shopee(
        client, accounts, worker, int_settings, name="Cá song", category="thuy_san", unit="kg"
    )
    assert listing["state"] == "live", listing
    item = sims["shopee"].state.items[listing["external_id"]]
    assert item.fields["weight_kg"] == 1.0
    assert item.fields["logistic_ids"] == [i for i, _, on in CHANNELS if on]


async def test_a_fruit_without_weight_waits_for_the_farmer(client, accounts, worker, sims, int_settings):
    farmer, product, listing = await listed_on_shopee(
        client, accounts, worker, int_settings, name="Dừa xiêm", category="trai_cay", unit="qua"
    )
    assert listing["state"] == "rejected" and listing["external_id"] is None
    assert listing["reason_vi"] == (
        "Shopee cần khối lượng mỗi đơn vị hàng: hãy nhập khối lượng (gam) cho sản phẩm."
    )
    shopee = sims["shopee"].state
    assert not shopee.items and not shopee.images  # nothing created or uploaded on Shopee
    # The farmer types the weight of one coconut: the listing is pushed again and goes live.
    changed = await client.patch(
        f"/api/v1/products/{product['id']}", json={"unit_weight_g": 1200}, headers=farmer.headers
    )
    assert changed.status_code == 200, changed.text
    await drain(worker)
    listing = await Listing.select().where(Listing.id == listing["id"]).first()
    assert listing["state"] == "live", listing
    assert shopee.items[listing["external_id"]].fields["weight_kg"] == 1.2


async def test_a_shop_with_no_shipping_channel_on_is_told_so(client, accounts, worker, sims, int_settings):
    sims["shopee"].state.config.shops_without_shipping.add("880001")
    _, _, listing = await listed_on_shopee(client, accounts, worker, int_settings, unit="kg")
    assert listing["state"] == "rejected"
    assert "Hãy bật ít nhất một đơn vị vận chuyển trong Shopee Seller Centre." in listing["reason_vi"]
    assert "Seller Centre" in listing["reason_en"] and not sims["shopee"].state.items


async def test_a_renewal_lease_is_one_winner_until_it_lapses(client, accounts, int_settings):
    """The lease on the account row: one claim wins; a crashed renewer's lease lapses after LEASE_S on
    the store's clock (moved here, not waited for); a saved renewal ends it at once."""
    farmer = await accounts.household()
    account_id = (await connect(client, farmer, "shopee", "880001"))["id"]
    now = [time.time()]
    store = AccountTokenStore(
        int_settings.section(IntegrationsSettings).credentials_key, clock=lambda: now[0]
    )
    assert await store.claim(account_id, LEASE_S)
    assert not await store.claim(account_id, LEASE_S)  # another process: the lease is taken
    now[0] += LEASE_S - 1
    assert not await store.claim(account_id, LEASE_S)  # still within the lease
    now[0] += 2  # the renewer died holding it: the lease lapsed, someone else may renew
    assert await store.claim(account_id, LEASE_S)
    await store.save(account_id, await store.load(account_id) or {})
    assert await store.claim(account_id, LEASE_S)  # a saved renewal ends the claim at once
