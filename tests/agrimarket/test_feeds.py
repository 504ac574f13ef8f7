"""The product feed: live products only, in JSON, CSV and RSS, with traceability links, cached and conditional."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

import pytest

from agrimarket.feeds import service as feeds
from tests.agrimarket.test_photos_api import jpeg
from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.tables import Stamp

G = "{http://base.google.com/ns/1.0}"


@pytest.fixture(autouse=True)
def fresh_feed_cache():
    feeds._cache.clear()  # ids restart in every test: a feed cached by an earlier test would be stale


async def seller_with_products(client, accounts):
    """A household with a stamped product, an out-of-stock one, a draft and an archived one."""
    session, stamped, batch_id = await make_batch(accounts)
    assert (await issue(client, session, batch_id, 2)).status_code == 201
    first, second = await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).order_by(Stamp.seq)
    await client.post(
        "/api/v1/stamps/revoke", json={"serial": first["serial"], "reason": "Hỏng"}, headers=session.headers
    )
    sold_out = await accounts.product(session, name='=HYPERLINK("http://x")', stock=0, price_vnd=30000)
    await client.post(
        f"/api/v1/products/{sold_out['id']}/photos",
        files={"photo": ("a.jpg", jpeg(), "image/jpeg")},
        headers=session.headers,
    )
    await accounts.product(session, name="Nháp", status="draft")
    archived = await accounts.product(session, name="Đã ẩn")
    await client.patch(
        f"/api/v1/products/{archived['id']}", json={"status": "archived"}, headers=session.headers
    )
    return session, stamped, sold_out, second["serial"]


async def test_json_feed_lists_live_products_with_growing_area_and_trace_link(client, accounts):
    session, stamped, sold_out, serial = await seller_with_products(client, accounts)
    other = await accounts.household(name="Đỗ Văn Bắc")
    await accounts.product(other, name="Không phải của hộ này")

    response = await client.get(f"/feeds/h{session.me['household_id']}/products.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["producer"] == "Nguyễn Văn An"
    items = {item["id"]: item for item in body["products"]}
    assert set(items) == {stamped["id"], sold_out["id"]}  # not the draft, the archived or another's
    traced = items[stamped["id"]]
    assert traced["growing_area_code"].startswith("VN-HP-") and traced["growing_area_status"] == "verified"
    assert traced["trace_link"] == f"http://testserver.local/t/{serial}"  # the revoked first stamp is skipped
    assert traced["link"] == f"http://testserver.local/p/{stamped['id']}"
    assert traced["certifications"] == ["VietGAP"] and traced["availability"] == "in_stock"
    assert traced["price_vnd"] == 15000 and traced["unit"] == "bó"
    untraced = items[sold_out["id"]]
    assert untraced["availability"] == "out_of_stock" and untraced["trace_link"] is None
    assert untraced["image_link"].startswith("http://testserver.local/media/products/")


async def test_csv_feed_is_formula_safe_and_rss_feed_is_google_merchant_style(client, accounts):
    session, stamped, sold_out, _ = await seller_with_products(client, accounts)
    owner = f"h{session.me['household_id']}"

    text = (await client.get(f"/feeds/{owner}/products.csv")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == [stamped["id"], sold_out["id"]]
    assert rows[1]["name"] == '\'=HYPERLINK("http://x")'  # never run as a formula in Excel
    assert rows[1]["stock"] == "0" and rows[0]["growing_area_code"].startswith("VN-HP-")

    response = await client.get(f"/feeds/{owner}/products.xml")
    assert response.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314 - our own answer
    items = channel.findall("item")
    assert [i.findtext(f"{G}id") for i in items] == [str(stamped["id"]), str(sold_out["id"])]
    assert (
        items[0].findtext(f"{G}price") == "15000 VND" and items[0].findtext(f"{G}availability") == "in stock"
    )
    assert items[1].findtext(f"{G}availability") == "out of stock" and items[1].findtext(f"{G}image_link")
    assert items[0].findtext(f"{G}brand") == "Nguyễn Văn An"


async def test_feed_is_cached_and_conditional(client, accounts):
    session, stamped, _, _ = await seller_with_products(client, accounts)
    url = f"/feeds/h{session.me['household_id']}/products.json"
    first = await client.get(url)
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    assert (await client.get(url, headers={"if-none-match": etag})).status_code == 304
    # Within the cache minute a change waits; once the feed is rebuilt it shows, with a new ETag.
    await client.patch(
        f"/api/v1/products/{stamped['id']}", json={"price_vnd": 18000}, headers=session.headers
    )
    assert (await client.get(url)).headers["etag"] == etag
    feeds._cache.clear()
    rebuilt = await client.get(url)
    assert rebuilt.headers["etag"] != etag
    assert {i["id"]: i["price_vnd"] for i in rebuilt.json()["products"]}[stamped["id"]] == 18000


async def test_cooperative_feed_and_unknown_sellers(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    product = await accounts.product(manager, name="Gạo tám thơm")
    body = (await client.get(f"/feeds/c{coop_id}/products.json")).json()
    assert body["producer"].startswith("HTX") and [i["id"] for i in body["products"]] == [product["id"]]
    for owner in ("h999999", "c999999", "x1", "h0", "h1;drop"):
        response = await client.get(f"/feeds/{owner}/products.json")
        assert response.status_code == 404 and "Không có người bán này" in response.json()["error"]["message"]
