"""Declared listings and product suppliers over the API: scope, validation, and what the indicator sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agrimarket.accounts.actor import Role
from agrimarket.indicators import summary
from agrimarket.tables import SellingSpan
from tests.agrimarket.indicators.helpers import history, listing
from tests.agrimarket.indicators.test_property import summary_rows
from tests.factories import CAT_HAI, HAI_PHONG

URL = "/api/v1/declared-listings/"


async def test_officer_declares_for_household_of_area(client, accounts):
    farmer = await accounts.household()
    household_id = farmer.me["household_id"]
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    payload = {
        "household_id": household_id,
        "marketplace": "shopee",
        "shop_url": "https://shopee.vn/ca-song-cat-hai",
        "from_date": "2026-01-05",
    }
    response = await client.post(URL, json=payload, headers=officer.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["marketplace_label"] == "Shopee" and created["to_date"] is None

    bad_url = await client.post(
        URL, json=payload | {"shop_url": "javascript:alert(1)"}, headers=officer.headers
    )
    assert bad_url.status_code == 422 and "http" in bad_url.json()["error"]["fields"]["shop_url"]
    bad_dates = await client.post(URL, json=payload | {"to_date": "2026-01-01"}, headers=officer.headers)
    assert bad_dates.status_code == 422
    bad_market = await client.post(URL, json=payload | {"marketplace": "amazon"}, headers=officer.headers)
    assert bad_market.status_code == 422

    ended = await client.patch(
        f"{URL}{created['id']}", json={"to_date": "2026-01-31"}, headers=officer.headers
    )
    assert ended.status_code == 200 and ended.json()["to_date"] == "2026-01-31"

    body = (
        await client.get("/api/v1/indicators/", params={"date": "2026-01-10"}, headers=officer.headers)
    ).json()
    assert (body["households"], body["declared"]) == (1, 1)

    # Another province's officer: the household looks absent; a household cannot declare.
    hanoi = await accounts.staff(Role.OFFICER, "01")
    assert (await client.post(URL, json=payload, headers=hanoi.headers)).status_code == 404
    assert (await client.get(f"{URL}{created['id']}", headers=hanoi.headers)).status_code == 404
    assert (await client.get(URL, headers=hanoi.headers)).json() == []
    assert (await client.post(URL, json=payload, headers=farmer.headers)).status_code == 403


async def test_coop_manager_names_supplier_members(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members",
        json={"head_name": "Phạm Thị Lan", "phone": "0912345678", "commune_code": CAT_HAI},
        headers=manager.headers,
    )
    assert member.status_code == 201, member.text
    member_id = next(m["household_id"] for m in member.json() if m["phone"] == "0912345678")
    stranger = (await accounts.household()).me["household_id"]
    product = await accounts.product(manager)
    url = f"/api/v1/products/{product['id']}/suppliers/"
    refused = await client.put(url, json={"household_ids": [stranger]}, headers=manager.headers)
    assert refused.status_code == 422
    response = await client.put(url, json={"household_ids": [member_id]}, headers=manager.headers)
    assert response.status_code == 200, response.text
    assert [s["household_id"] for s in response.json()] == [member_id]
    assert (await client.put(url, json={"household_ids": []}, headers=manager.headers)).json() == []
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    assert (await client.put(url, json={"household_ids": []}, headers=officer.headers)).status_code == 403


async def test_deleting_a_cooperative_product_stops_counting_its_suppliers_through_it(client, accounts):
    """A deleted product's listings lose it, so its suppliers no longer count through them on any
    day; the summary, kept by the delete, says what a rebuild from scratch says."""
    manager, coop_id = await accounts.coop_manager()
    member = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members",
        json={"head_name": "Phạm Thị Lan", "phone": "0912345678", "commune_code": CAT_HAI},
        headers=manager.headers,
    )
    member_id = next(m["household_id"] for m in member.json() if m["phone"] == "0912345678")
    product = await accounts.product(manager)
    url = f"/api/v1/products/{product['id']}/suppliers/"
    assert (
        await client.put(url, json={"household_ids": [member_id]}, headers=manager.headers)
    ).status_code == 200
    sold = await listing(cooperative_id=coop_id, product_id=product["id"])
    await history(sold, ("live", datetime.now(UTC) - timedelta(days=30)))
    counted = await SellingSpan.select(SellingSpan.household).where(SellingSpan.source == "")
    assert member_id in {row["household"] for row in counted}

    deleted = await client.delete(f"/api/v1/products/{product['id']}", headers=manager.headers)
    assert deleted.status_code == 204, deleted.text
    kept = await summary_rows()
    assert member_id not in {row[0] for row in kept}
    await summary.rebuild()
    assert await summary_rows() == kept
