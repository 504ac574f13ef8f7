"""Waybill labels (issue 20): real PDFs at the right paper size, kept after the first fetch, one PDF
for the day's parcels, 409 before the waybill and 503 when the marketplace is down, and only the
desk's sellers reach them."""

from __future__ import annotations

import pypdfium2
import pytest

from agrimarket.accounts.actor import Role
from integrations.adapters.base import Account
from integrations.adapters.desk import ShipmentChoice
from integrations.orders import labels
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.simulators.credentials import demo_credentials
from integrations.simulators.desk import label_pdf
from integrations.simulators.orders import SimOrder
from integrations.tables import MarketplaceOrder
from tests.agrimarket.test_web_pages import web_login
from tests.conftest import RUN_DIR
from tests.integrations.test_orders import SHOPS, buy, live_listing

MM_PER_POINT = 25.4 / 72
# Paper in mm (width, height): A6, and an 80 mm roll's 72 mm printable width by 100 mm.
PAPER = {"a6": (105, 148), "80mm": (72, 100)}


def pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in mm, after rasterising it: the page draws (dark pixels) at its own ratio."""
    document = pypdfium2.PdfDocument(pdf)
    sizes = []
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        image = page.render(scale=0.5).to_pil().convert("L")
        assert image.width / image.height == pytest.approx(width / height, rel=0.01)
        assert image.getextrema()[0] < 64, "a blank page"
        sizes.append((width * MM_PER_POINT, height * MM_PER_POINT))
    return sizes


def assert_paper(size: tuple[float, float], paper: str) -> None:
    width, height = PAPER[paper]
    assert size == (pytest.approx(width, abs=1), pytest.approx(height, abs=1)), (size, paper)


def sim_label(number: int, size: str) -> bytes:
    order = SimOrder(f"VS-{number}", "shop-1", "placed", 0.0, 0.0, commune="Xã Cát Hải")
    order.carrier, order.tracking_number = "Viettel Post", f"VTP{number:010d}"
    return label_pdf(order, size)


def test_the_merged_pdf_keeps_each_label_and_its_paper():
    a6 = [sim_label(n, "a6") for n in (1, 2, 3)]
    merged = labels.merge_pdfs(a6, ["VS-1", "VS-2", "VS-3"])
    sizes = pages(merged)
    assert len(sizes) == 3
    for size in sizes:
        assert_paper(size, "a6")
    assert pypdfium2.PdfDocument(merged).get_metadata_dict()["Subject"] == "VS-1, VS-2, VS-3"
    roll = pages(labels.merge_pdfs([sim_label(4, "80mm")], ["VS-4"]))
    assert len(roll) == 1
    assert_paper(roll[0], "80mm")


def test_the_label_key_is_per_order_size_and_waybill_and_unguessable():
    key = labels.label_key("secret-1", 7, "a6", "VTP0000000001")
    assert key.startswith("labels/7/a6-") and key.endswith(".pdf")
    assert key == labels.label_key("secret-1", 7, "a6", "VTP0000000001")
    others = {
        labels.label_key("secret-1", 7, "80mm", "VTP0000000001"),
        labels.label_key("secret-1", 7, "a6", "VTP0000000002"),
        labels.label_key("secret-1", 8, "a6", "VTP0000000001"),
        labels.label_key("secret-2", 7, "a6", "VTP0000000001"),
    }
    assert key not in others and len(others) == 4


# ------------------------------------------------------------------ over HTTP, the Shopee simulator


async def ready_orders(client, accounts, worker, sims, int_settings, count: int, arranged: int):
    """A farmer's Shopee listing and ``count`` orders of it, the first ``arranged`` of them with the
    pickup arranged (so a waybill number); all recorded by the order pull, as the app sees them."""
    farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "shopee")
    refs = [buy(sims, "shopee", item, 1) for _ in range(count)]
    adapter = worker.adapters.get("shopee")
    account = Account(SHOPS["shopee"], demo_credentials("shopee", SHOPS["shopee"]))
    waybills = {}
    for ref in refs[:arranged]:
        options = await adapter.shipping_options(account, ref)
        slot = options.pickup[0].slots[0].slot_id
        choice = ShipmentChoice("pickup", address_id=options.pickup[0].address_id, slot_id=slot)
        waybills[ref] = (await adapter.arrange_shipment(account, ref, choice, f"ship-{ref}")).tracking_number
        assert waybills[ref]
    await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings))
    rows = await MarketplaceOrder.select().where(MarketplaceOrder.order_ref.is_in(refs))
    by_ref = {r["order_ref"]: r for r in rows}
    assert [by_ref[ref]["stage"] for ref in refs] == ["to_pickup"] * arranged + ["to_ship"] * (
        count - arranged
    )
    # Shopee's order list names no waybill: the pull asks get_tracking_number for the arranged ones.
    assert [by_ref[ref]["tracking_number"] for ref in refs[:arranged]] == list(waybills.values())
    return farmer, [by_ref[ref] for ref in refs]


async def test_an_order_label_in_both_sizes_then_from_the_store(client, accounts, worker, sims, int_settings):
    farmer, (order,) = await ready_orders(client, accounts, worker, sims, int_settings, 1, 1)
    url = f"/api/v1/orders/{order['id']}/label"
    first = {}
    for size in ("a6", "80mm"):
        answer = await client.get(url, params={"size": size}, headers=farmer.headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["cache-control"] == "private, no-store"
        assert (
            answer.headers["content-disposition"]
            == f'inline; filename="nhan-{order["tracking_number"]}-{size}.pdf"'
        )
        (page,) = pages(answer.content)
        assert_paper(page, size)
        first[size] = answer.content
    stored = await MarketplaceOrder.select(MarketplaceOrder.tracking_number).where(
        MarketplaceOrder.id == order["id"]
    )
    key = labels.label_key(int_settings.secret_key, order["id"], "a6", stored[0]["tracking_number"])
    assert (RUN_DIR / "media" / key).read_bytes() == first["a6"]
    sims["shopee"].close()  # the marketplace is gone: the labels come from our store
    for size in ("a6", "80mm"):
        again = await client.get(url, params={"size": size}, headers=farmer.headers)
        assert again.status_code == 200 and again.content == first[size]
    await web_login(client, farmer.phone)
    page = await client.get(f"/orders/{order['id']}/label.pdf", params={"size": "80mm"})
    assert page.status_code == 200 and page.content == first["80mm"]
    bad = await client.get(url, params={"size": "A4"}, headers=farmer.headers)
    assert bad.status_code in (400, 422)
    # Cancelled since (the marketplace's report): its label, even kept, is not printed any more.
    await MarketplaceOrder.update(
        {MarketplaceOrder.status: "cancelled", MarketplaceOrder.stage: "cancelled"}
    ).where(MarketplaceOrder.id == order["id"])
    gone = await client.get(url, headers=farmer.headers)
    assert gone.status_code == 409
    assert gone.json()["error"]["message"] == "Đơn đang ở trạng thái “Đã hủy”, không in nhãn giao hàng."


async def test_the_days_labels_in_one_pdf_and_the_marketplace_down(
    client, accounts, worker, sims, int_settings
):
    farmer, orders = await ready_orders(client, accounts, worker, sims, int_settings, 3, 2)
    await web_login(client, farmer.phone)
    answer = await client.get("/orders/labels-today.pdf", params={"size": "a6"})
    assert answer.status_code == 200, answer.text
    sizes = pages(answer.content)
    assert len(sizes) == 2  # the third order has no waybill yet
    for size in sizes:
        assert_paper(size, "a6")
    subject = pypdfium2.PdfDocument(answer.content).get_metadata_dict()["Subject"]
    assert subject == ", ".join(o["order_ref"] for o in orders[:2])
    not_yet = await client.get(f"/api/v1/orders/{orders[2]['id']}/label", headers=farmer.headers)
    assert not_yet.status_code == 409
    assert not_yet.json()["error"]["message"] == "Chưa có mã vận đơn: hãy sắp xếp giao hàng trước."

    sims["shopee"].close()
    down = await client.get("/orders/labels-today.pdf", params={"size": "80mm"})  # none kept yet
    assert down.status_code == 503
    assert "Sàn Shopee chưa trả nhãn giao hàng" in down.text and orders[0]["order_ref"] in down.text
    api = await client.get(f"/api/v1/orders/{orders[0]['id']}/label?size=80mm", headers=farmer.headers)
    assert api.status_code == 503 and api.json()["error"]["message"].startswith("Sàn Shopee chưa trả")
    kept = await client.get("/orders/labels-today.pdf", params={"size": "a6"})  # kept: no marketplace needed
    assert kept.status_code == 200 and len(pages(kept.content)) == 2


async def test_only_the_desk_sellers_reach_the_labels(client, accounts, worker, sims, int_settings):
    farmer, (order,) = await ready_orders(client, accounts, worker, sims, int_settings, 1, 1)
    url = f"/api/v1/orders/{order['id']}/label"
    manager, coop_id = await accounts.coop_manager(seed=91)
    assert (await client.get(url, headers=manager.headers)).status_code == 404  # no consent yet
    stranger = await accounts.household(name="Đỗ Văn Lạ")
    officer = await accounts.staff(Role.OFFICER)  # the farmer's province: still not the desk
    for session in (stranger, officer):
        denied = await client.get(url, headers=session.headers)
        assert denied.status_code == 404
        assert denied.json()["error"]["message"] == "Không tìm thấy đơn hàng."
    assert (await client.get(url)).status_code == 401
    await accounts.join(manager, coop_id, farmer)
    manager = await accounts.login(manager.phone)
    assert (await client.get(url, headers=manager.headers)).status_code == 200
    # Another household's day holds none of the farmer's parcels.
    await web_login(client, stranger.phone)
    theirs = await client.get("/orders/labels-today.pdf")
    assert theirs.status_code == 409 and "Chưa có đơn nào sẵn sàng giao hôm nay" in theirs.text
    assert (await client.get(f"/orders/{order['id']}/label.pdf")).status_code == 404
