"""The TikTok Shop adapter against the TikTok Shop simulator over real HTTP: the documented signature,
the seller's authorisation and tokens, products, orders, and every write under 30 % faults."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from integrations.adapters import tiktok_auth as auth
from integrations.adapters.base import Account, CredentialsError, ListingPayload, Rejected, Retryable
from integrations.adapters.tiktok import PRODUCTS, SHOPS, TiktokAdapter
from integrations.simulators import base
from integrations.simulators import tiktok as tiktok_sim
from integrations.simulators.tiktok_auth import demo_credentials
from tests.integrations.conftest import LiveSim
from tests.waiting import until

SHOP = "7495000000000000001"


def payload(**overrides) -> ListingPayload:
    values = dict(
        sku="agm-1", name="Bưởi da xanh Bến Tre", description="Bưởi chín cây", category="trai_cay", unit="kg",
        price_vnd=45_000, stock=80, photo_urls=[], version=1, photo_keys=["p/1.webp"], weight_kg=1.0,
    )  # fmt: skip
    return ListingPayload(**(values | overrides))


async def read_photo(key: str) -> bytes:
    return b"RIFF\x00\x00\x00\x00WEBPVP8 "


@pytest.fixture
def sim():
    live = LiveSim(tiktok_sim, tiktok_sim.TiktokConfig(seed=7))
    yield live
    live.close()


@pytest.fixture
async def adapter(sim):
    # A timeout no loaded test machine reaches: the fault tests below cut it short for their hangs.
    made = TiktokAdapter(sim.url, timeout_s=10.0, read_photo=read_photo)
    yield made
    await made.aclose()


def account(shop_id: str = SHOP) -> Account:
    return Account(shop_id, demo_credentials(shop_id))


# ------------------------------------------------------------------ signing


def test_sign_matches_the_guides_published_example():
    """ "Sign your API request", step by step: Get Authorized Shops with app secret e59af819cc."""
    query = {"app_key": "29a39d", "timestamp": "1623812664", "sign": "ignored", "access_token": "ignored"}
    base = auth.base_string("/authorization/202309/shops", query)
    assert base == "/authorization/202309/shopsapp_key29a39dtimestamp1623812664"
    assert auth.sign("e59af819cc", base) == "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    # The guide's body example (Update Shop Webhook): shop_cipher sorts between app_key and timestamp,
    # and the body's exact bytes follow; a multipart body is left out.
    body = b'{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}'
    query = {
        "timestamp": "1696909648",
        "app_key": "68xu9ks5p4i8",
        "shop_cipher": "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK",
    }
    assert auth.base_string("/event/202309/webhooks", query, body) == (
        "/event/202309/webhooksapp_key68xu9ks5p4i8shop_cipherROW_xkMbgAAAeVAQra0eZWebFQq5aIKtimestamp1696909648"
        + body.decode()
    )
    assert auth.base_string("/x", {"a": "1"}, body, multipart=True) == "/xa1"


async def test_wrong_signature_is_refused_with_tiktoks_code(sim, adapter):
    seller = account()
    await adapter.verify_credentials(seller)
    good = adapter.signed(seller, "GET", SHOPS, {}, seller.credentials["access_token"])
    async with httpx.AsyncClient(base_url=sim.url) as raw:
        assert (await raw.send(good)).json()["code"] == 0
        params = dict(good.url.params) | {"sign": "0" * 64}
        refused = await raw.get(SHOPS, params=params, headers=dict(good.headers))
        assert refused.status_code == 401 and refused.json()["code"] == tiktok_sim.BAD_SIGN
        # A body changed after signing is refused too: the body is part of what is signed.
        query = {"page_size": 20, "shop_cipher": seller.credentials["shop_cipher"]}
        token = seller.credentials["access_token"]
        post = adapter.signed(seller, "POST", f"{PRODUCTS}/search", query, token, json={"seller_skus": ["a"]})
        tampered = await raw.post(
            post.url.path,
            params=dict(post.url.params),
            headers=dict(post.headers),
            content=b'{"seller_skus":["b"]}',
        )
        assert tampered.json()["code"] == tiktok_sim.BAD_SIGN
        assert (await raw.send(post)).json()["code"] == 0


async def test_consent_page_gives_the_code_traded_once_for_tokens(sim, adapter):
    creds = demo_credentials(SHOP)
    url = auth.authorize_url(sim.url, creds["app_key"], "xyz")
    assert url.startswith(f"{sim.url}/oauth/authorize?app_key=")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
        assert page.status_code == 200 and "Đồng ý" in page.text
        sim.state.config.redirect_url = "http://app.local/back"
        given = await browser.post(
            f"{sim.url}/oauth/authorize", data={"app_key": creds["app_key"], "state": "xyz", "shop_id": SHOP}
        )
    assert given.status_code in (302, 303)
    back = httpx.URL(given.headers["location"])
    assert back.params["state"] == "xyz" and back.params["code"] == creds["auth_code"]
    seller = Account(
        SHOP,
        {"app_key": creds["app_key"], "app_secret": creds["app_secret"], "auth_code": back.params["code"]},
    )
    await adapter.verify_credentials(seller)
    assert "auth_code" not in seller.credentials and seller.credentials["shop_cipher"] == sim.state.cipher(
        SHOP
    )
    assert float(seller.credentials["access_token_expire_in"]) > time.time() + 6 * 86400


async def test_expired_token_is_refreshed_once_and_bad_credentials_refused(sim, adapter):
    seller = account()
    await adapter.verify_credentials(seller)
    first = seller.credentials["access_token"]
    # TikTok's clock says the token expired; ours was told it has a year left: 105002, refreshed once.
    later = time.time() + 8 * 86400
    sim.state.config.clock = adapter.clock = lambda: later
    seller.credentials["access_token_expire_in"] = str(int(later + 365 * 86400))
    await adapter.find_by_sku(seller, "agm-none")
    assert sim.state.renewals == 1 and seller.credentials["access_token"] != first
    wrong = Account(SHOP, demo_credentials(SHOP) | {"app_secret": "x" * 32})
    with pytest.raises(CredentialsError):
        await adapter.verify_credentials(wrong)
    other = Account("7495000000000000999", demo_credentials(SHOP))
    with pytest.raises(CredentialsError):
        await adapter.verify_credentials(other)


# ------------------------------------------------------------------ products and orders


async def test_publish_update_delist_and_orders(sim, adapter):
    state, seller = sim.state, account()
    listed = await adapter.publish(seller, payload(), "1")
    item = state.items[listed.external_id]
    assert listed.state == "live" and listed.external_url == f"{sim.url}/view/product/{item.id}"
    assert (
        item.fields["images"][0].startswith(f"{sim.url}/img/") and item.fields["weight"]["unit"] == "KILOGRAM"
    )
    changed = await adapter.update(seller, listed.external_id, payload(price_vnd=50_000, stock=60), "2")
    assert changed.state == "live" and (item.fields["price"], item.fields["stock"]) == (50_000, 60)
    assert state.calls[(item.id, "partial_edit")] == 0  # title and description already right
    async with httpx.AsyncClient(base_url=sim.url) as buyer:
        assert (
            await buyer.post(f"/orders/{item.id}", params={"quantity": 3, "commune": "Xã Tân Phú"})
        ).status_code == 200
    orders = await adapter.fetch_orders(seller, time.time() - 60)
    assert [(o.stage, o.status, o.amount_vnd, o.payment, o.commune) for o in orders] == [
        ("to_ship", "placed", 150_000, "cod", "Xã Tân Phú")
    ]
    assert [(i.external_id, i.quantity, i.price_vnd) for i in orders[0].items] == [(item.id, 3, 50_000)]
    assert orders[0].act_by and orders[0].act_by > orders[0].placed_at
    gone = await adapter.delist(seller, listed.external_id, "3")
    again = await adapter.delist(seller, listed.external_id, "4")
    assert gone.state == again.state == "delisted" and state.calls[(item.id, "deactivate")] == 1
    back = await adapter.update(seller, listed.external_id, payload(price_vnd=50_000, stock=57), "5")
    assert back.state == "live" and state.calls[(item.id, "activate")] == 1


async def test_refusals_and_takedowns_carry_tiktoks_words(sim, adapter):
    seller = account()
    with pytest.raises(Rejected) as refused:
        await adapter.publish(seller, payload(price_vnd=500), "1")
    assert "1,000" in refused.value.reason_en and not sim.state.items
    with pytest.raises(Rejected):
        await adapter.publish(seller, payload(weight_kg=None), "2")
    listed = await adapter.publish(seller, payload(), "3")
    async with httpx.AsyncClient(base_url=sim.url) as moderator:
        await moderator.post(f"/moderation/{listed.external_id}/takedown", params={"reason": "Hàng cấm"})
    down = await adapter.fetch_status(seller, listed.external_id)
    assert down.state == "delisted" and down.taken_down and "Hàng cấm" in down.reason_vi


# ------------------------------------------------------------------ 30 % faults


async def until_done(operation, attempts: int = 60):
    """What the sync worker does with a Retryable: try the same operation again."""
    for _ in range(attempts):
        try:
            return await operation()
        except Retryable:
            # The worker backs off before trying again; here we wait for a write a timeout fault
            # held to land (the event itself) instead of a time.
            await _settle()
    raise AssertionError("never succeeded")


async def test_every_write_lands_once_under_30_percent_faults(sim, adapter):
    state, seller = sim.state, account()
    await adapter.verify_credentials(seller)  # tokens first: faults play on writes only
    faults = state.config.faults
    faults.error_rate = faults.throttle_rate = faults.timeout_rate = faults.drop_rate = 0.075
    faults.hang_s, faults.retry_after_s = 0.8, 0.05
    adapter.client.timeout = httpx.Timeout(0.6)  # shorter than the injected hangs: they time out
    listed = [
        await until_done(lambda n=n: adapter.publish(seller, payload(sku=f"agm-{n}"), str(n)))
        for n in range(4)
    ]
    assert len(state.items) == 4 and all(state.calls[(r.external_id, "create")] == 1 for r in listed)
    for n, remote in enumerate(listed):
        await until_done(
            lambda r=remote, n=n: adapter.update(
                seller, r.external_id, payload(sku=f"agm-{n}", price_vnd=47_000, stock=70), "u"
            )
        )
    await _settle()
    for remote in listed:
        item = state.items[remote.external_id]
        assert (item.fields["price"], item.fields["stock"]) == (47_000, 70)
        assert (
            state.calls[(item.id, "prices/update")] == 1 and state.calls[(item.id, "inventory/update")] == 1
        )
    for remote in listed:
        await until_done(lambda r=remote: adapter.delist(seller, r.external_id, "d"))
        await until_done(lambda r=remote: adapter.delist(seller, r.external_id, "d2"))
    await _settle()
    assert all(state.calls[(r.external_id, "deactivate")] == 1 for r in listed)
    assert sum(state.injected.values()) > 0
    # Orders: the pull is a read; pulled twice, each order is there once.
    item = state.items[listed[0].external_id]
    item.status = "live"
    async with httpx.AsyncClient(base_url=sim.url) as buyer:
        for _ in range(2):
            await buyer.post(f"/orders/{item.id}", params={"quantity": 1})
    first = await until_done(lambda: adapter.fetch_orders(seller, time.time() - 60))
    second = await until_done(lambda: adapter.fetch_orders(seller, time.time() - 60))
    assert sorted(o.order_id for o in first) == sorted(o.order_id for o in second) and len(first) == 2


async def _settle() -> None:
    """Let the writes a timeout fault held land (applied late, after the client gave up)."""
    await until(lambda: not base._late_applies, what="held writes to land")


def test_body_is_compact_json_as_signed():
    raw = json.dumps({"a": "ư"}, separators=(",", ":"), ensure_ascii=False).encode()
    assert raw == '{"a":"ư"}'.encode()


async def test_desk_cancels_once_under_faults_with_tiktoks_reason_keys(sim, adapter):
    state, seller = sim.state, account()
    listed = await adapter.publish(seller, payload(), "1")
    async with httpx.AsyncClient(base_url=sim.url) as buyer:
        placed = (await buyer.post(f"/orders/{listed.external_id}", params={"quantity": 1})).json()
    order_id = placed["order_id"]
    assert (await adapter.fetch_order(seller, order_id)).stage == "to_ship"
    with pytest.raises(Rejected):  # a reason key TikTok does not take
        await adapter.cancel_order(seller, order_id, "OUT_OF_STOCK", "k0")
    faults = state.config.faults
    faults.error_rate = faults.throttle_rate = faults.timeout_rate = faults.drop_rate = 0.075
    faults.hang_s, faults.retry_after_s = 0.8, 0.05
    adapter.client.timeout = httpx.Timeout(0.6)  # shorter than the injected hangs: they time out
    for key in ("k1", "k2"):  # the farmer's tap, then a repeat: cancelled once
        done = await until_done(
            lambda key=key: adapter.cancel_order(seller, order_id, "seller_cancel_reason_out_of_stock", key)
        )
        assert (done.stage, done.status) == ("cancelled", "cancelled")
    assert state.calls[(order_id, "cancel")] == 1
    assert state.orders[order_id].cancel_reason == "seller_cancel_reason_out_of_stock"
