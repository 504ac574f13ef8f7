"""Stock shares (oversell guard) with known answers, over real HTTP against the simulators.

The story: 10 kg of fish; Shopee is shown 50 % (5), Postmart everything but a reserve of 3 (7).
Two sell on Shopee: the stock is 8 everywhere, so Postmart is shown 5 and Shopee 4; the same sale
reported again changes nothing.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from agrimarket.tables import AuditEntry, Product
from integrations.settings import IntegrationsSettings
from integrations.stock.shares import pushed_stock
from integrations.tables import Listing, MarketplaceSale
from integrations.webhooks.signature import sign
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish
from tests.integrations.test_shopee_sync import photo_in_storage


@pytest.mark.parametrize(
    ("stock", "share", "reserve", "shown"),
    [
        (10, 50, 0, 5),
        (10, 100, 3, 7),
        (7, 50, 0, 3),
        (8, 50, 3, 2),
        (2, 100, 3, 0),
        (10, 0, 0, 0),
        (9, 33, 0, 2),
    ],
)
def test_pushed_stock_known_answers(stock, share, reserve, shown):
    assert pushed_stock(stock, share, reserve) == shown


async def listed_on_both(client, accounts, worker, sims, int_settings):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    await connect(client, farmer, "shopee", "880001")
    product = await product_with_photo(
        accounts, farmer, name="Cá song", category="thuy_san", unit="kg", stock=10
    )
    await photo_in_storage(int_settings, product["id"])
    ids = {}
    for code in ("shopee", "postmart"):
        response = await publish(client, farmer, product["id"], code)
        assert response.status_code == 202, response.text
        ids[code] = response.json()["id"]
    return farmer, product, ids


def remote_stock(sims, code: str, external_id: str) -> int:
    return sims[code].state.items[external_id].fields["stock"]


async def test_shares_pushed_and_a_sale_lowers_stock_everywhere_once(
    client, accounts, worker, sims, int_settings
):
    farmer, product, ids = await listed_on_both(client, accounts, worker, sims, int_settings)
    shopee = await client.put(
        f"/api/v1/listings/{ids['shopee']}/share", json={"share_percent": 50}, headers=farmer.headers
    )
    assert shopee.status_code == 200, shopee.text
    assert shopee.json()["pushed_stock"] == 5
    postmart = await client.put(
        f"/api/v1/listings/{ids['postmart']}/share", json={"reserve_units": 3}, headers=farmer.headers
    )
    assert postmart.json()["pushed_stock"] == 7
    await drain(worker)
    rows = {r["id"]: r for r in await Listing.select()}
    assert all(r["state"] == "live" for r in rows.values()), rows
    shopee_item, postmart_item = rows[ids["shopee"]]["external_id"], rows[ids["postmart"]]["external_id"]
    assert remote_stock(sims, "shopee", shopee_item) == 5
    assert remote_stock(sims, "postmart", postmart_item) == 7

    # A buyer orders 2 on the simulated Shopee; its signed webhook reaches us.
    shopee_sim = sims["shopee"].state
    shopee_sim.config.webhook_secret = int_settings.section(IntegrationsSettings).webhook_secret_for("shopee")
    order = httpx.post(f"{sims['shopee'].url}/orders/{shopee_item}", params={"quantity": 2})
    assert order.status_code == 200, order.text
    body, signature = shopee_sim.sent[-1]
    for attempt in range(2):  # delivered twice (a retried webhook): counted once
        told = await client.post("/api/v1/webhooks/shopee", content=body, headers={"X-Signature": signature})
        assert told.status_code == 200 and told.json()["counted"] is (attempt == 0)
    assert (await Product.select(Product.stock).where(Product.id == product["id"]).first())["stock"] == 8
    assert await MarketplaceSale.count() == 1
    # The audit log has the farmer's share and the marketplace's sale (once, by the system).
    logged = (
        await AuditEntry.select()
        .where(AuditEntry.action.is_in(["share", "sold"]))
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )
    assert [(e["action"], e["role"]) for e in logged] == [("share", "household")] * 2 + [("sold", "system")]
    assert logged[0]["changes"] == {"share_percent": {"from": 100, "to": 50}}
    assert logged[2]["changes"] == {
        "marketplace": "shopee",
        "order": logged[2]["changes"]["order"],
        "quantity": 2,
        "stock_after": 8,
    }
    await drain(worker)
    assert remote_stock(sims, "postmart", postmart_item) == 5  # 8 - 3
    assert remote_stock(sims, "shopee", shopee_item) == 4  # 8 x 50 %
    # A sale larger than what is left empties the stock, never below zero.
    sims["postmart"].state.config.webhook_secret = int_settings.section(
        IntegrationsSettings
    ).webhook_secret_for("postmart")
    httpx.post(f"{sims['postmart'].url}/orders/{postmart_item}", params={"quantity": 5}).raise_for_status()
    body, signature = sims["postmart"].state.sent[-1]
    await client.post("/api/v1/webhooks/postmart", content=body, headers={"X-Signature": signature})
    assert (await Product.select(Product.stock).where(Product.id == product["id"]).first())["stock"] == 3
    sale = body.replace(b'"quantity": 5', b'"quantity": 9').replace(b"ORD-000001", b"ORD-000002")
    forged = await client.post("/api/v1/webhooks/postmart", content=sale, headers={"X-Signature": signature})
    assert forged.status_code == 401  # the body changed, the signature no longer fits
    signed = sign(
        int_settings.section(IntegrationsSettings).webhook_secret_for("postmart"), sale, int(time.time())
    )
    assert (
        await client.post("/api/v1/webhooks/postmart", content=sale, headers={"X-Signature": signed})
    ).json()["counted"]
    assert (await Product.select(Product.stock).where(Product.id == product["id"]).first())["stock"] == 0
    last = await MarketplaceSale.select().order_by(MarketplaceSale.id, ascending=False).first()
    assert last["quantity"] == 9 and last["stock_after"] == 0  # oversold by 6: on record


async def test_share_is_the_owners_and_checked(client, accounts, worker, sims, int_settings):
    farmer, _product, ids = await listed_on_both(client, accounts, worker, sims, int_settings)
    stranger = await accounts.household(name="Lê Thị Mai")
    url = f"/api/v1/listings/{ids['shopee']}/share"
    assert (await client.put(url, json={"share_percent": 10}, headers=stranger.headers)).status_code == 404
    bad = await client.put(url, json={"share_percent": 150, "reserve_units": -1}, headers=farmer.headers)
    assert bad.status_code == 422
    fields = bad.json()["error"]["fields"]
    assert "0 đến 100" in fields["share_percent"] and "reserve_units" in fields
    assert (await Listing.select(Listing.share_percent).where(Listing.id == ids["shopee"]).first()) == {
        "share_percent": 100
    }


async def test_marketplace_page_sets_a_share_from_the_phone(client, accounts, worker, sims, int_settings):
    farmer, product, ids = await listed_on_both(client, accounts, worker, sims, int_settings)
    await web_login(client, farmer.phone)
    cards = await client.get("/products")
    assert f"/products/{product['id']}/marketplaces" in cards.text  # the card links to the page
    page = await client.get(f"/products/{product['id']}/marketplaces")
    assert page.status_code == 200 and "Chia hàng cho các sàn" in page.text and "Shopee" in page.text
    token = csrf(page.text)
    refused = await client.post(
        f"/listings/{ids['shopee']}/share",
        data={"share_percent": "120", "reserve_units": "0", "_csrf_token": token},
    )
    assert refused.status_code == 422 and "Tỷ lệ phải từ 0 đến 100" in refused.text
    assert 'value="120"' in refused.text  # what the farmer typed stays in the box
    saved = await client.post(
        f"/listings/{ids['shopee']}/share",
        data={"share_percent": "50", "reserve_units": "", "_csrf_token": token},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "Đã lưu." in saved.text
    shown = re.search(rf'id="listing-{ids["shopee"]}".*?Sàn đang thấy: <strong>(\d+) ', saved.text, re.S)
    assert shown and shown.group(1) == "5"
