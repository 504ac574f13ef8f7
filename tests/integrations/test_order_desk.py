"""The order desk's inbox (issue 20, point 1): each order's deadline to act, from the marketplace's
own field (Shopee's ship_by_date, through the real simulator over HTTP) or our contract's rule
(Voso: confirm within 24 h; Postmart: hand over to Vietnam Post within 48 h); the deadline in
Vietnamese words; at-risk and overdue with the clock moved; the tabs; who sees what.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from agrimarket import clock
from agrimarket.accounts.actor import Role
from integrations.adapters.base import RemoteOrder, RemoteOrderItem
from integrations.orders import service
from integrations.orders.inbox import deadline_words, urgency
from integrations.orders.pull import pull_orders
from integrations.settings import IntegrationsSettings
from integrations.tables import MarketplaceOrder
from tests.agrimarket.test_web_pages import web_login
from tests.integrations.test_orders import deliver, live_listing

HOUR = 3600.0


def buy(sims, code: str, item: str, **buyer) -> str:
    answer = httpx.post(f"{sims[code].url}/orders/{item}", params={"quantity": 1, **buyer})
    assert answer.status_code == 200, answer.text
    return answer.json()["order_id"]


async def stored(order_ref: str) -> dict:
    return await MarketplaceOrder.select().where(MarketplaceOrder.order_ref == order_ref).first()


def epoch(moment: datetime) -> float:
    return clock.to_local(moment).timestamp()


async def test_shopee_ship_by_date_by_webhook_and_pull(client, accounts, worker, sims, int_settings):
    _farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "shopee")
    pushed = buy(sims, "shopee", item, payment="prepaid", commune="Xã Tân Phú", days_to_ship=3)
    assert await deliver(client, sims, int_settings, "shopee") is True
    sim_order = sims["shopee"].state.orders[pushed]
    assert sim_order.ship_by == pytest.approx(sim_order.created + 3 * 86400)
    row = await stored(pushed)
    assert epoch(row["act_by"]) == pytest.approx(sim_order.ship_by, abs=1)
    assert (row["payment"], row["commune"]) == ("prepaid", "Xã Tân Phú")
    # A second order whose push was lost: the pull reads get_order_detail's ship_by_date and cod.
    pulled = buy(sims, "shopee", item, payment="cod", commune="Phường Bến Thành", days_to_ship=2)
    assert await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings)) == 1
    row, sim_order = await stored(pulled), sims["shopee"].state.orders[pulled]
    assert epoch(row["act_by"]) == pytest.approx(int(sim_order.created) + 2 * 86400, abs=1)
    assert (row["payment"], row["commune"]) == ("cod", "Phường Bến Thành")


@pytest.mark.parametrize(("code", "hours"), [("voso", 24), ("postmart", 48)])
async def test_voso_and_postmart_deadlines_are_our_contracts_rules(
    client, accounts, worker, sims, int_settings, code, hours
):
    _farmer, _product, item = await live_listing(client, accounts, worker, int_settings, code)
    pushed = buy(sims, code, item, payment="cod", commune="Xã Cát Hải")
    assert await deliver(client, sims, int_settings, code) is True
    pulled = buy(sims, code, item, payment="prepaid", commune="Phường Ninh Kiều")  # its push lost
    assert await pull_orders(worker.adapters, int_settings.section(IntegrationsSettings)) == 1
    for ref, payment, commune in ((pushed, "cod", "Xã Cát Hải"), (pulled, "prepaid", "Phường Ninh Kiều")):
        row = await stored(ref)
        placed = sims[code].state.orders[ref].created
        assert epoch(row["act_by"]) == pytest.approx(placed + hours * HOUR, abs=1), ref
        assert (row["payment"], row["commune"]) == (payment, commune)


def test_the_deadline_in_vietnamese_words():
    # 2026-12-03 is a Thursday; 10:00 UTC is 17:00 in Vietnam.
    thursday = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert deadline_words("shopee", thursday) == "Cần gửi hàng trước 17:00 thứ Năm 03/12"
    assert deadline_words("voso", thursday) == "Cần xác nhận trước 17:00 thứ Năm 03/12"
    # Saturday 18:30 UTC is already Sunday 01:30 in Vietnam: the day is Vietnam's.
    assert deadline_words("postmart", datetime(2026, 12, 5, 18, 30, tzinfo=UTC)) == (
        "Cần giao cho bưu điện trước 01:30 Chủ Nhật 06/12"
    )
    assert deadline_words("shopee", datetime(2026, 11, 30, 2, 5, tzinfo=UTC)) == (
        "Cần gửi hàng trước 09:05 thứ Hai 30/11"
    )
    assert deadline_words("shopee", None) == ""


def test_at_risk_under_four_hours_and_overdue_after():
    due = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    assert urgency("placed", due, due - timedelta(hours=4)) == ""
    assert urgency("placed", due, due - timedelta(hours=3, minutes=59)) == "at_risk"
    assert urgency("placed", due, due) == "overdue"
    assert urgency("shipped", due, due + timedelta(days=1)) == ""  # no longer waiting on the seller
    assert urgency("placed", None, due) == ""


async def _orders(item: str, now: float) -> None:
    """Five orders of one listing: three to handle (due in 10 h, 2 h, none), one shipped, one returned."""
    line = [RemoteOrderItem(item, 1, 40_000)]
    for ref, status, act_by in (
        ("D-LATER", "placed", now + 10 * HOUR),
        ("D-SOON", "placed", now + 2 * HOUR),
        ("D-NONE", "placed", None),
        ("D-SHIP", "shipped", now + 1 * HOUR),
        ("D-BACK", "returned", None),
    ):
        remote = RemoteOrder(ref, status, now - HOUR, now - HOUR, 40_000, line, act_by=act_by)
        assert await service.receive("postmart", remote, "pull")


async def test_tabs_order_and_highlights_with_the_clock_moved(
    client, accounts, worker, int_settings, monkeypatch
):
    farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    start = clock.now()
    await _orders(item, start.timestamp())
    monkeypatch.setattr(clock, "now", lambda: start)
    inbox = (await client.get("/api/v1/orders/inbox", headers=farmer.headers)).json()
    assert inbox["tab"] == "to_handle"
    assert [(o["order_ref"], o["urgency"]) for o in inbox["orders"]] == [
        ("D-SOON", "at_risk"),
        ("D-LATER", ""),
        ("D-NONE", ""),
    ]
    assert inbox["orders"][0]["deadline_vi"].startswith("Cần giao cho bưu điện trước ")
    assert inbox["orders"][2]["deadline_vi"] == "" and inbox["orders"][2]["act_by"] is None
    counts = {t["key"]: t["count"] for t in inbox["tabs"]}
    assert counts == {"to_handle": 3, "to_pickup": 0, "shipping": 1, "delivered": 0, "closed": 1}
    assert [t["label_vi"] for t in inbox["tabs"]] == [
        "Cần xử lý",
        "Chờ lấy hàng",
        "Đang giao",
        "Đã giao",
        "Đã hủy–trả",
    ]
    for tab, refs in (("shipping", ["D-SHIP"]), ("closed", ["D-BACK"]), ("to_pickup", [])):
        shown = (await client.get(f"/api/v1/orders/inbox?tab={tab}", headers=farmer.headers)).json()
        assert [o["order_ref"] for o in shown["orders"]] == refs, tab
        assert all(o["urgency"] == "" for o in shown["orders"])
    assert (await client.get("/api/v1/orders/inbox?tab=later", headers=farmer.headers)).status_code == 422

    monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=7))  # 3 h left for D-LATER
    moved = (await client.get("/api/v1/orders/inbox", headers=farmer.headers)).json()["orders"]
    assert [(o["order_ref"], o["urgency"]) for o in moved] == [
        ("D-SOON", "overdue"),
        ("D-LATER", "at_risk"),
        ("D-NONE", ""),
    ]
    await web_login(client, farmer.phone)
    page = await client.get("/orders/")  # the old /orders and its trailing-slash form both work
    assert page.status_code == 200
    assert 'class="order overdue"' in page.text and "Quá hạn" in page.text
    assert 'class="order at-risk"' in page.text and "Sắp hết hạn" in page.text
    assert page.text.index("D-SOON") < page.text.index("D-LATER") < page.text.index("D-NONE")
    assert "D-SHIP" not in page.text and "Cần xử lý (3)" in page.text
    closed = await client.get("/orders?tab=closed")
    assert "D-BACK" in closed.text and "D-SOON" not in closed.text
    assert "D-SOON" in (await client.get("/orders?tab=nonsense")).text  # unknown tab: the first


async def test_who_sees_the_inbox(client, accounts, worker, int_settings):
    farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    await _orders(item, clock.now().timestamp())
    manager, coop_id = await accounts.coop_manager(seed=77)

    async def refs(session) -> list[str]:
        answer = await client.get("/api/v1/orders/inbox", headers=session.headers)
        assert answer.status_code == 200, answer.text
        return sorted(o["order_ref"] for o in answer.json()["orders"])

    mine = ["D-LATER", "D-NONE", "D-SOON"]
    assert await refs(farmer) == mine
    assert await refs(manager) == []  # not yet a member: no consent, no orders
    await accounts.join(manager, coop_id, farmer)
    assert await refs(await accounts.login(manager.phone)) == mine
    assert await refs(await accounts.household(name="Đỗ Văn Lạ")) == []
    officer = await accounts.staff(Role.OFFICER)  # the farmer's province: still none of the desk
    assert await refs(officer) == []
    assert (await client.get("/api/v1/orders/inbox")).status_code == 401


async def test_a_later_report_fills_in_what_the_first_lacked(client, accounts, worker, int_settings):
    """A bare first report (an old-style sale push) gets its deadline from the next pull, once."""
    _farmer, _product, item = await live_listing(client, accounts, worker, int_settings, "postmart")
    now = clock.now().timestamp()
    line = [RemoteOrderItem(item, 1, 40_000)]
    assert await service.receive("postmart", RemoteOrder("F-1", "placed", now, now, 40_000, line), "webhook")
    assert (await stored("F-1"))["act_by"] is None  # recorded without a deadline: none shown
    later = RemoteOrder("F-1", "placed", now, now, 40_000, line, act_by=now + 9 * HOUR, payment="cod")
    assert await service.receive("postmart", later, "pull") is False  # no change of status
    row = await stored("F-1")
    assert epoch(row["act_by"]) == pytest.approx(now + 9 * HOUR) and row["payment"] == "cod"
    moved = RemoteOrder("F-1", "placed", now, now, 40_000, line, act_by=now + HOUR, payment="prepaid")
    assert await service.receive("postmart", moved, "pull") is False
    row = await stored("F-1")
    assert epoch(row["act_by"]) == pytest.approx(now + 9 * HOUR) and row["payment"] == "cod"  # kept
