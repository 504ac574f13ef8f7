"""Every participation measure side by side: a worked example with known answers (January 2026,
Hải Phòng), officer scoping, the dashboard's funnel and the exports' definitions.

Cát Hải (CAT_HAI):
- H1: trained 5/1; Postmart account since 1/12/2025; listing live from 10/1; orders 12/1 delivered
  (200,000 đ, its "delivered" told twice), 15/1 cancelled (50,000 đ), 20/1 returned (80,000 đ).
- H2: trained 5/1; account made 10/2 (after the period); nothing else.
- H3: trained 10/12/2025 (before the period); Voso account since 1/11/2025; listing live 1/12/2025,
  delisted 3/1: displayed during the period, not selling at its end; no order.
- H5: supplier of cooperative C's product, live on Voso from 2/1; C's order 25/1 shipped (300,000 đ).
Another Hải Phòng commune: H4 with an account, a live listing, an order cancelled in the period and
one delivered 28/12/2025 (before it). Hà Nội: H6 with everything, outside the officer's province.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from agrimarket.accounts.actor import Role
from agrimarket.tables import Commune, ProductSupplier, TrainingAttendance, TrainingSession
from integrations.adapters.base import RemoteOrder, RemoteOrderItem
from integrations.orders import service as orders
from integrations.tables import Listing, MarketplaceAccount
from tests.agrimarket.indicators.helpers import (
    cooperative,
    history,
    household,
    listing,
    market,
    product,
    stored,
    vn,
)
from tests.agrimarket.test_web_pages import web_login
from tests.factories import CAT_HAI, HAI_PHONG

PERIOD = {"from": "2026-01-01", "date": "2026-01-31"}


async def account(household_id: int, code: str, made: datetime) -> None:
    row = MarketplaceAccount(
        marketplace=await market(code),
        owner_household=household_id,
        shop_id=f"shop-{household_id}",
        credentials_encrypted="-",
        created_at=made,
    )
    await row.save()


async def listed(code: str, *changes, household_id=None, cooperative_id=None, product_id=None) -> str:
    """A listing with its history; its external id, for orders."""
    if product_id is None:
        product_id = await product(household_id, cooperative_id)
    listing_id = await listing(household_id, cooperative_id, product_id, code)
    external = f"{code}-{listing_id}"
    await Listing.update({Listing.external_id: external}).where(Listing.id == listing_id)
    await history(listing_id, *changes)
    return external


async def order(code: str, ref: str, external: str, placed: datetime, amount: int, *statuses: str) -> None:
    item = RemoteOrderItem(external, 1, amount)
    at = placed.timestamp()
    for step, status in enumerate(statuses):
        await orders.receive(code, RemoteOrder(ref, status, at, at + step * 3600, amount, [item]), "webhook")


async def trained(households: list[int], commune: str, held_on: date) -> None:
    session = TrainingSession(
        held_on=held_on,
        commune=commune,
        topic="Bán hàng trên sàn",
        trainer="Trần Văn Dạy",
        created_at=datetime.now(UTC),
    )
    await session.save()
    for h in households:
        await TrainingAttendance(session=session.id, household=h, added_at=datetime.now(UTC)).save()


async def seed() -> str:
    other = (
        await Commune.select(Commune.code)
        .where((Commune.province == HAI_PHONG) & (Commune.code != CAT_HAI))
        .order_by(Commune.code)
        .first()
    )["code"]
    h1, h2, h3, h5 = [await household() for _ in range(4)]
    h4 = await household(commune=other)
    h6 = await household(commune="00004")  # Hà Nội
    await trained([h1, h2], CAT_HAI, date(2026, 1, 5))
    await trained([h3], CAT_HAI, date(2025, 12, 10))
    await account(h1, "postmart", vn(2025, 12, 1))
    await account(h2, "postmart", vn(2026, 2, 10))
    await account(h3, "voso", vn(2025, 11, 1))
    await account(h4, "postmart", vn(2025, 10, 1))
    await account(h6, "postmart", vn(2025, 10, 1))
    x1 = await listed("postmart", ("live", vn(2026, 1, 10)), household_id=h1)
    await order("postmart", "O1", x1, vn(2026, 1, 12), 200_000, "placed", "delivered", "delivered")
    await order("postmart", "O2", x1, vn(2026, 1, 15), 50_000, "placed", "cancelled")
    await order("postmart", "O3", x1, vn(2026, 1, 20), 80_000, "placed", "delivered", "returned")
    await listed("voso", ("live", vn(2025, 12, 1)), ("delisted", vn(2026, 1, 3)), household_id=h3)
    coop = await cooperative()
    coop_product = await product(None, coop)
    await stored(ProductSupplier(product=coop_product, household=h5, added_at=vn(2026, 1, 1)))
    x5 = await listed("voso", ("live", vn(2026, 1, 2)), cooperative_id=coop, product_id=coop_product)
    await order("voso", "O6", x5, vn(2026, 1, 25), 300_000, "placed", "shipped")
    x4 = await listed("postmart", ("live", vn(2025, 12, 20)), household_id=h4)
    await order("postmart", "O4", x4, vn(2026, 1, 8), 90_000, "cancelled")
    await order("postmart", "O5", x4, vn(2025, 12, 28), 70_000, "placed", "delivered")
    x6 = await listed("postmart", ("live", vn(2026, 1, 2)), household_id=h6)
    await order("postmart", "O7", x6, vn(2026, 1, 9), 40_000, "placed")
    await trained([h6], "00004", date(2026, 1, 6))
    return other


EXPECTED = {
    "trained": 2,
    "connected": 3,
    "active": 4,
    "selling": 3,
    "transacting": 2,
    "transactions": 3,
    "value": 500_000,
    "products": 3,
}


async def test_every_measure_with_known_answers(client, accounts):
    other = await seed()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    body = (await client.get("/api/v1/indicators/", params=PERIOD, headers=officer.headers)).json()
    p = body["participation"]
    assert (p["period_from"], p["period_to"]) == ("2026-01-01", "2026-01-31")
    assert {f["key"]: f["value"] for f in p["figures"]} == EXPECTED
    assert all(f["definition"] for f in p["figures"])
    assert body["households"] == EXPECTED["selling"]  # the same figure as the existing indicator
    assert {m["key"]: (m["transactions"], m["value_vnd"]) for m in p["marketplaces"]} == {
        "postmart": (2, 200_000),  # O1 and O3 (returned: no value); O2, O4 cancelled; O5 before
        "voso": (1, 300_000),
    }
    funnel = {f["code"]: (f["trained"], f["connected"], f["selling"], f["transacting"]) for f in p["funnel"]}
    assert funnel[CAT_HAI] == (2, 2, 2, 2)
    assert funnel[other] == (0, 1, 1, 0)
    # One commune, by its own officer: the Cát Hải part only.
    commune_officer = await accounts.staff(Role.OFFICER, CAT_HAI)
    body = (await client.get("/api/v1/indicators/", params=PERIOD, headers=commune_officer.headers)).json()
    figures = {f["key"]: f["value"] for f in body["participation"]["figures"]}
    assert figures == EXPECTED | {"connected": 2, "active": 3, "selling": 2, "products": 2}
    # Hà Nội's officer sees only H6; asking for Hải Phòng looks absent.
    hanoi = await accounts.staff(Role.OFFICER, "01")
    body = (await client.get("/api/v1/indicators/", params=PERIOD, headers=hanoi.headers)).json()
    figures = {f["key"]: f["value"] for f in body["participation"]["figures"]}
    assert (figures["trained"], figures["transacting"], figures["transactions"], figures["value"]) == (
        1,
        1,
        1,
        40_000,
    )
    denied = await client.get(
        "/api/v1/indicators/", params=PERIOD | {"area": HAI_PHONG}, headers=hanoi.headers
    )
    assert denied.status_code == 404


async def test_a_shorter_period_counts_less(client, accounts):
    await seed()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    params = {"from": "2026-01-16", "date": "2026-01-31"}
    body = (await client.get("/api/v1/indicators/", params=params, headers=officer.headers)).json()
    figures = {f["key"]: f["value"] for f in body["participation"]["figures"]}
    # O3 (returned) and O6 remain; H3's listing went down before the 16th; nobody trained.
    assert (figures["transactions"], figures["value"], figures["transacting"]) == (2, 300_000, 2)
    assert (figures["trained"], figures["active"]) == (0, 3)


async def test_dashboard_funnel_and_exports_carry_definitions(client, accounts):
    await seed()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    csv_file = await client.get("/api/v1/indicators/export.csv", params=PERIOD, headers=officer.headers)
    assert csv_file.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    measures = {r[0]: r[1:] for r in rows if len(r) == 3}
    assert measures["Hộ có giao dịch trực tuyến"][0] == "2"
    assert "không bị hủy" in measures["Hộ có giao dịch trực tuyến"][1]
    assert measures["Giá trị giao dịch (đồng)"][0] == "500000"
    assert any(
        r[:1]
        == ["Giao dịch theo sàn (01/01/2026 – 31/01/2026) — chỉ tiêu QĐ 1354/QĐ-BTTTT cho Voso, Postmart"]
        for r in rows
    )
    xlsx = await client.get("/api/v1/indicators/export.xlsx", params=PERIOD, headers=officer.headers)
    assert xlsx.status_code == 200
    await web_login(client, officer.phone)
    page = await client.get("/indicators/", params=PERIOD)
    assert page.status_code == 200
    assert "Phễu theo xã/phường" in page.text and 'class="bar transacting"' in page.text
    assert 'data-measure="active"' in page.text and "định nghĩa 2022" in page.text
    assert "500.000" in page.text
