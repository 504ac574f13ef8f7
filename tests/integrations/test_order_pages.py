"""The order's page on the phone (issue 20, point 2), over real HTTP against the Voso simulator:
what it shows, each action's form queued ("đang gửi…") then answered by the worker, the shipping
form with the marketplace's options, refusals shown on the page in Vietnamese, never a 500.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from agrimarket.accounts.actor import Role
from integrations.orders.inbox import deadline_words
from integrations.tables import MarketplaceOrder, OrderAction
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.integrations.test_orders import deliver, live_listing
from tests.waiting import until

CODE = "voso"


async def ordered(client, accounts, worker, sims, int_settings, quantity: int = 2):
    """A farmer signed in on the web with one Voso order told by webhook: (farmer, our order id, its ref)."""
    farmer, _product, item = await live_listing(client, accounts, worker, int_settings, CODE)
    answer = httpx.post(f"{sims[CODE].url}/orders/{item}", params={"quantity": quantity, "payment": "cod"})
    ref = answer.json()["order_id"]
    assert await deliver(client, sims, int_settings, CODE) is True
    row = await MarketplaceOrder.select(MarketplaceOrder.id).where(MarketplaceOrder.order_ref == ref).first()
    await web_login(client, farmer.phone)
    return farmer, row["id"], ref


async def settle(worker) -> None:
    """Run the worker between requests until every order action has its answer."""

    async def idle() -> bool:
        await worker.run_one()
        return not await OrderAction.exists().where(OrderAction.status.is_in(["queued", "running"]))

    await until(idle, 60, what="the order actions to be answered")


async def submit(client, order: int, action: str, **fields) -> httpx.Response:
    """Post one of the page's forms, with the page's CSRF token and form key."""
    page = await client.get(f"/orders/{order}")
    key = re.search(rf'action="/orders/{order}/{action}">.*?name="key" value="([^"]+)"', page.text, re.S)
    data = {"_csrf_token": csrf(page.text), **fields} | ({"key": key.group(1)} if key else {})
    return await client.post(f"/orders/{order}/{action}", data=data)


async def test_confirm_ship_and_print_from_the_order_page(client, accounts, worker, sims, int_settings):
    _farmer, order, ref = await ordered(client, accounts, worker, sims, int_settings)
    page = await client.get(f"/orders/{order}")
    assert page.status_code == 200
    text = page.text
    assert f"Voso · {ref}" in text and 'data-stage="to_confirm"' in text and "Chờ xác nhận" in text
    assert "Cần xác nhận trước " in text  # the deadline in words, the step's
    assert "Cá song × 2" in text and "100.000" in text and "Thu tiền khi giao (COD)" in text
    assert "Sàn chưa báo" in text  # fees and payout not reported yet
    assert f'action="/orders/{order}/confirm"' in text and "Đồng ý xác nhận" in text
    assert f'action="/orders/{order}/cancel"' in text and 'value="OUT_OF_STOCK"' in text
    assert f'href="/orders/{order}"' in (await client.get("/orders")).text  # the inbox links here

    queued = await submit(client, order, "confirm")
    assert queued.status_code == 200 and str(queued.url).endswith(f"/orders/{order}")
    assert "Xác nhận đơn: đang gửi…" in queued.text and 'hx-trigger="every 2s"' in queued.text
    assert "Đồng ý xác nhận" not in queued.text  # no second action while one is on its way
    await settle(worker)
    page = await client.get(f"/orders/{order}")
    assert "Xác nhận đơn: đã xong" in page.text and 'data-stage="to_ship"' in page.text
    assert "every 2s" not in page.text and "Cần giao cho Viettel Post trước " in page.text

    form = await client.get(f"/orders/{order}/ship")
    assert form.status_code == 200 and "Viettel Post" in form.text
    choices = re.findall(r'name="choice" value="([^"]+)"', form.text)
    pickup = next(c for c in choices if c.startswith("pickup|"))
    assert any(c.startswith("dropoff|") for c in choices)
    assert re.search(r"\d\d:\d\d–\d\d:\d\d (thứ \w+|Chủ Nhật) \d\d/\d\d", form.text)  # slots in words
    key = re.search(r'name="key" value="([^"]+)"', form.text).group(1)
    shipped = await client.post(
        f"/orders/{order}/ship", data={"_csrf_token": csrf(form.text), "choice": pickup, "key": key}
    )
    assert "Gửi hàng: đang gửi…" in shipped.text
    await settle(worker)
    page = await client.get(f"/orders/{order}")
    tracking = sims[CODE].state.orders[ref].tracking_number
    assert tracking.startswith("VTP") and f'data-testid="tracking">{tracking}' in page.text
    assert 'data-stage="to_pickup"' in page.text and "Gửi hàng: đã xong" in page.text
    for size in ("a6", "80mm"):
        assert f'href="/orders/{order}/label.pdf?size={size}"' in page.text
        label = await client.get(f"/orders/{order}/label.pdf?size={size}")
        assert label.status_code == 200 and label.content.startswith(b"%PDF-")
    inbox = await client.get("/orders?tab=to_pickup")  # the inbox's tab follows the desk's stage
    assert ref in inbox.text and "Chờ lấy hàng (1)" in inbox.text and "Cần xử lý (0)" in inbox.text
    assert "Cần giao cho Viettel Post trước " in inbox.text
    timeline = page.text[page.text.index('data-testid="timeline"') :]
    assert timeline.index("Xác nhận đơn: đã xong") < timeline.index("Gửi hàng: đã xong")


async def test_refusals_are_shown_on_the_page(client, accounts, worker, sims, int_settings):
    _farmer, order, ref = await ordered(client, accounts, worker, sims, int_settings)
    # Our stage says "to confirm": shipping first is refused by us, naming the stage (409).
    early = await client.get(f"/orders/{order}/ship")
    assert early.status_code == 409
    assert "Đơn đang ở trạng thái “Chờ xác nhận”, không thể gửi hàng." in early.text
    nothing = await submit(client, order, "ship")
    assert nothing.status_code == 422 and "Hãy chọn cách gửi hàng." in nothing.text
    unsure = await submit(client, order, "cancellation", accept="maybe")
    assert unsure.status_code == 422 and "Hãy chọn đồng ý hoặc không đồng ý hủy." in unsure.text
    no_reason = await submit(client, order, "cancel")
    assert no_reason.status_code == 422 and "Hãy chọn một lý do hủy" in no_reason.text
    # The buyer cancels on Voso before our confirmation lands: Voso refuses it, in its words.
    assert (await submit(client, order, "confirm")).status_code == 200
    assert httpx.post(f"{sims[CODE].url}/orders/{ref}/cancel-request").status_code == 200
    await settle(worker)
    page = await client.get(f"/orders/{order}")
    refusal = re.search(r'data-testid="refusal">([^<]+)<', page.text)
    assert refusal and refusal.group(1).startswith("Xác nhận đơn: sàn từ chối (")
    assert 'data-stage="cancel_requested"' in page.text  # the order read again after the refusal
    # The buyer's request: accept it, then put the goods back in stock ("trả lại kho").
    assert (await submit(client, order, "cancellation", accept="yes")).status_code == 200
    await settle(worker)
    page = await client.get(f"/orders/{order}")
    assert 'data-stage="cancelled"' in page.text and "Trả lại kho" in page.text
    again = await submit(client, order, "confirm")
    assert again.status_code == 409 and "Đơn đang ở trạng thái “Đã hủy”, không thể xác nhận." in again.text
    restocked = await submit(client, order, "restock")
    assert restocked.status_code == 200 and "Đã trả lại kho lúc" in restocked.text
    twice = await submit(client, order, "restock")
    assert twice.status_code == 409 and "đã được trả lại kho" in twice.text


async def test_the_marketplace_down_and_strangers(client, accounts, worker, sims, int_settings):
    farmer, order, _ref = await ordered(client, accounts, worker, sims, int_settings)
    await submit(client, order, "confirm")
    await settle(worker)
    sims[CODE].close()
    down = await client.get(f"/orders/{order}/ship")
    assert down.status_code == 503 and "hãy thử lại" in down.text and 'data-stage="to_ship"' in down.text
    assert down.headers["retry-after"] == "5"
    for session in (await accounts.household(name="Đỗ Văn Lạ"), await accounts.staff(Role.OFFICER)):
        await web_login(client, session.phone)
        assert (await client.get(f"/orders/{order}")).status_code == 404
        token = csrf((await client.get("/orders")).text)
        refused = await client.post(f"/orders/{order}/cancel", data={"_csrf_token": token, "reason": "X"})
        assert refused.status_code == 404
    assert await OrderAction.count().where(OrderAction.kind == "cancel") == 0
    await web_login(client, farmer.phone)
    assert (await client.get(f"/orders/{order}")).status_code == 200


def test_the_deadline_names_the_step_it_is_for():
    due = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 17:00 on Thursday in Vietnam
    assert deadline_words("voso", due, "to_confirm") == "Cần xác nhận trước 17:00 thứ Năm 03/12"
    assert deadline_words("voso", due, "to_ship") == "Cần giao cho Viettel Post trước 17:00 thứ Năm 03/12"
    assert deadline_words("postmart", due, "to_pickup").startswith("Cần giao cho bưu điện trước ")
    assert deadline_words("shopee", due, "to_ship").startswith("Cần gửi hàng trước ")
    assert deadline_words("shopee", due, "cancel_requested").startswith("Cần trả lời người mua trước ")
    assert deadline_words("voso", due) == "Cần xác nhận trước 17:00 thứ Năm 03/12"  # no stage: the rule
