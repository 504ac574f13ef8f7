"""The order desk's inbox (issue 20, point 1): a seller's orders in tabs, those needing action
first and the soonest deadline first, each with its deadline in Vietnamese words.

"Now" is ``agrimarket.clock.now()``, so a test moves the clock instead of waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from piccolo.query.functions.aggregate import Count

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.privacy import access_log
from integrations.adapters.registry import deadline_actions
from integrations.orders.access import desk_orders
from integrations.orders.schemas import InboxOrderRead, InboxRead, Tab, TabRead, Urgency
from integrations.orders.service import current_stage
from integrations.orders.views import items_by_order
from integrations.tables import MarketplaceOrder, OrderAction

# Tab -> its label and the statuses it holds; a placed order waits in "chờ lấy hàng" (packed, for
# the carrier) once its shipment is arranged (desk stage to_pickup), else it is still to handle.
TABS: dict[Tab, tuple[str, tuple[str, ...]]] = {
    "to_handle": ("Cần xử lý", ("placed",)),
    "to_pickup": ("Chờ lấy hàng", ("placed",)),
    "shipping": ("Đang giao", ("shipped",)),
    "delivered": ("Đã giao", ("delivered",)),
    "closed": ("Đã hủy–trả", ("cancelled", "returned")),
}
WAITING_FOR_CARRIER = "to_pickup"
# Only orders still to handle have a deadline that matters.
NEEDS_ACTION = TABS["to_handle"][1]
AT_RISK = timedelta(hours=4)
# Mid-sentence forms (datetime.weekday(): Monday is 0): "thứ Năm", but "Chủ Nhật".
WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ Nhật")
# Once the desk knows the stage, the deadline is the next step's: confirming, answering the buyer,
# or handing the parcel to the carrier (each marketplace's words for it: registry.deadline_actions).
STAGE_ACTION_VI = {"to_confirm": "Cần xác nhận trước", "cancel_requested": "Cần trả lời người mua trước"}
URGENCY_VI = {"at_risk": "Sắp hết hạn", "overdue": "Quá hạn"}
LIMIT = 200


def deadline_words(marketplace_code: str, act_by: datetime | None, stage: str = "") -> str:
    """ "Cần gửi hàng trước 17:00 thứ Năm 05/12", in Vietnam time; "" without a deadline. With the
    desk ``stage``, the words name the step that deadline is for."""
    if act_by is None:
        return ""
    local = clock.to_local(act_by)
    act, handover = deadline_actions(marketplace_code)
    action = STAGE_ACTION_VI.get(stage, "")
    if not action and stage in ("to_ship", "to_pickup", "on_hold"):
        action = handover
    action = action or act
    return f"{action} {local:%H:%M} {WEEKDAYS_VI[local.weekday()]} {local:%d/%m}"


def urgency(status: str, act_by: datetime | None, now: datetime) -> Urgency:
    """ "overdue" past the deadline, "at_risk" with under 4 hours left, else "" (and always "" for
    an order no longer waiting on the seller, or without a deadline)."""
    if act_by is None or status not in NEEDS_ACTION:
        return ""
    left = clock.to_local(act_by) - now
    if left <= timedelta(0):
        return "overdue"
    return "at_risk" if left < AT_RISK else ""


def _deadline_first(row: dict) -> tuple:
    """Soonest deadline first; orders without one after them, newest first."""
    act_by = row["act_by"]
    return (
        act_by is None,
        clock.to_local(act_by) if act_by else None,
        -clock.to_local(row["placed_at"]).timestamp(),
    )


def tab_of(status: str, stage: str) -> Tab:
    """The tab an order is shown in."""
    if status == "placed":
        return "to_pickup" if stage == WAITING_FOR_CARRIER else "to_handle"
    return next(key for key, (_, statuses) in TABS.items() if status in statuses)


def _in_tab(tab: Tab):
    """The filter of one tab's orders."""
    statuses = MarketplaceOrder.status.is_in(list(TABS[tab][1]))
    if tab == "to_handle":
        return statuses & (MarketplaceOrder.stage != WAITING_FOR_CARRIER)
    if tab == "to_pickup":
        return statuses & (MarketplaceOrder.stage == WAITING_FOR_CARRIER)
    return statuses


async def tab_counts(actor: Actor) -> list[TabRead]:
    rows = (
        await MarketplaceOrder.select(
            MarketplaceOrder.status, MarketplaceOrder.stage, Count(MarketplaceOrder.id, alias="n")
        )
        .where(desk_orders(actor))
        .group_by(MarketplaceOrder.status, MarketplaceOrder.stage)
    )
    counts = dict.fromkeys(TABS, 0)
    for row in rows:
        counts[tab_of(row["status"], row["stage"])] += row["n"]
    return [TabRead(key, label, counts[key]) for key, (label, _) in TABS.items()]


async def inbox(actor: Actor, tab: Tab = "to_handle") -> InboxRead:
    """The orders of ``tab`` the actor may work, and every tab's count."""
    query = MarketplaceOrder.select(
        *MarketplaceOrder.all_columns(),
        MarketplaceOrder.marketplace.name.as_alias("market"),
        MarketplaceOrder.marketplace.code.as_alias("code"),
    ).where(desk_orders(actor) & _in_tab(tab))
    if tab in ("to_handle", "to_pickup"):  # the deadline to confirm, ship or hand over first
        # Sorted here: NULL deadlines last on both engines; a seller's open orders are few.
        rows = sorted(await query, key=_deadline_first)[:LIMIT]
    else:
        query = query.order_by(MarketplaceOrder.status_at, ascending=False)
        rows = await query.order_by(MarketplaceOrder.id, ascending=False).limit(LIMIT)
    await access_log.record(actor, "hộp đơn hàng", [row["household"] for row in rows])
    return InboxRead(tab, await tab_counts(actor), await _cards(rows))


async def _cards(rows: list[dict]) -> list[InboxOrderRead]:
    ids = [r["id"] for r in rows] or [0]
    items = await items_by_order(ids)
    sending = {
        a["order"]
        for a in await OrderAction.select(OrderAction.order).where(
            OrderAction.order.is_in(ids) & OrderAction.status.is_in(["queued", "running"])
        )
    }
    now = clock.now()
    return [
        InboxOrderRead(
            id=r["id"],
            marketplace=r["market"],
            marketplace_code=r["code"],
            order_ref=r["order_ref"],
            placed_at=r["placed_at"],
            status=r["status"],
            amount_vnd=r["amount_vnd"],
            payment=r["payment"],
            commune=r["commune"],
            items=items.get(r["id"], []),
            act_by=r["act_by"],
            deadline_vi=(
                deadline_words(r["code"], r["act_by"], r["stage"]) if r["status"] in NEEDS_ACTION else ""
            ),
            urgency=urgency(r["status"], r["act_by"], now),
            stage=current_stage(r),
            sending=r["id"] in sending,
        )
        for r in rows
    ]
