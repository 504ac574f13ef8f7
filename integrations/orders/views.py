"""What a seller sees of their orders: the latest ones with items and history, and revenue by month."""

from __future__ import annotations

from datetime import date, datetime, time

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.privacy import access_log
from integrations.orders.access import visible_orders
from integrations.orders.schemas import MonthRead, OrderItemRead, OrderRead, StatusRead
from integrations.tables import MarketplaceOrder, OrderItem, OrderStatusChange

STATUS_VI = {
    "placed": "Mới đặt",
    "shipped": "Đang giao",
    "delivered": "Đã giao",
    "cancelled": "Đã hủy",
    "returned": "Bị trả lại",
}
# Money that stays with the seller: a cancelled order was never paid, a returned one is paid back.
EARNING = ("placed", "shipped", "delivered")


async def items_by_order(order_ids: list[int]) -> dict[int, list[OrderItemRead]]:
    """The lines of the orders ``order_ids``, per order, named after our product when it still exists."""
    rows = await OrderItem.select(*OrderItem.all_columns(), OrderItem.product.name.as_alias("name")).where(
        OrderItem.order.is_in(order_ids)
    )
    items: dict[int, list[OrderItemRead]] = {}
    for i in rows:
        line = OrderItemRead(i["product"], i["name"] or i["external_id"], i["quantity"], i["price_vnd"])
        items.setdefault(i["order"], []).append(line)
    return items


async def list_orders(actor: Actor, limit: int = 50) -> list[OrderRead]:
    rows = (
        await MarketplaceOrder.select(
            *MarketplaceOrder.all_columns(), MarketplaceOrder.marketplace.name.as_alias("market")
        )
        .where(visible_orders(actor))
        .order_by(MarketplaceOrder.placed_at, ascending=False)
        .order_by(MarketplaceOrder.id, ascending=False)
        .limit(limit)
    )
    await access_log.record(actor, "danh sách đơn hàng", [r["household"] for r in rows])
    ids = [r["id"] for r in rows] or [0]
    items = await items_by_order(ids)
    history = (
        await OrderStatusChange.select()
        .where(OrderStatusChange.order.is_in(ids))
        .order_by(OrderStatusChange.id)
    )
    return [
        OrderRead(
            id=r["id"],
            marketplace=r["market"],
            order_ref=r["order_ref"],
            placed_at=r["placed_at"],
            status=r["status"],
            amount_vnd=r["amount_vnd"],
            items=items.get(r["id"], []),
            history=[
                StatusRead(h["to_status"], h["at"], h["source"]) for h in history if h["order"] == r["id"]
            ],
        )
        for r in rows
    ]


def month_starts(last: date, months: int) -> list[date]:
    starts, year, month = [], last.year, last.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts


async def monthly_revenue(actor: Actor, months: int = 12) -> list[MonthRead]:
    """The last ``months`` months, newest first: orders not cancelled, and revenue without returns."""
    starts = month_starts(clock.today(), months)
    since = datetime.combine(starts[-1], time.min, clock.VIETNAM)
    rows = await MarketplaceOrder.select(
        MarketplaceOrder.placed_at, MarketplaceOrder.status, MarketplaceOrder.amount_vnd
    ).where(visible_orders(actor) & (MarketplaceOrder.placed_at >= since))
    totals = {start.strftime("%Y-%m"): [0, 0] for start in starts}
    for row in rows:
        key = clock.local_date(row["placed_at"]).strftime("%Y-%m")
        if key not in totals or row["status"] == "cancelled":
            continue
        totals[key][0] += 1
        if row["status"] in EARNING:
            totals[key][1] += row["amount_vnd"]
    return [MonthRead(month, n, revenue) for month, (n, revenue) in totals.items()]
