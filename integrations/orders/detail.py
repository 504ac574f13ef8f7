"""What the desk shows of one order (items, stage, deadline, timeline, money, the action being sent
and the last refusal), the shipping options the marketplace offers for it, and payouts by month."""

from __future__ import annotations

from datetime import UTC, datetime, time

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.errors import Conflict, Unavailable
from integrations.adapters.base import CredentialsError, Rejected, Retryable
from integrations.adapters.desk import STATUS_STAGE
from integrations.adapters.registry import Adapters
from integrations.orders import desk
from integrations.orders.access import desk_orders
from integrations.orders.desk_schemas import (
    CancelReasonRead,
    DropoffBranchRead,
    MoneyRead,
    OrderDetailRead,
    PayoutMonthRead,
    PickupAddressRead,
    PickupSlotRead,
    ShippingOptionsRead,
    TimelineRead,
)
from integrations.orders.inbox import deadline_words, urgency
from integrations.orders.outbox import KINDS, PENDING
from integrations.orders.seller import order_account
from integrations.orders.service import current_stage
from integrations.orders.views import items_by_order, month_starts
from integrations.tables import MarketplaceOrder, OrderAction, OrderStatusChange

ACTION_VI = {
    "confirm": "Xác nhận đơn",
    "cancel": "Hủy đơn",
    "answer_cancellation": "Trả lời yêu cầu hủy",
    "arrange_shipment": "Gửi hàng",
}
# Orders whose money is still coming: not cancelled, not returned.
EARNING = ("placed", "shipped", "delivered")


def _change_text(row: dict) -> str:
    stage_vi = desk.stage_words(row["to_stage"] or STATUS_STAGE.get(row["to_status"], ""))[0]
    return f"Đơn mới: {stage_vi}" if row["from_status"] is None else stage_vi


def _action_text(row: dict) -> str:
    text = f"{ACTION_VI[row['kind']]}: {desk.STATUS_VI[row['status']].lower()}"
    return f"{text} ({row['reason_vi']})" if row["reason_vi"] else text


def timeline(changes: list[dict], actions: list[dict]) -> list[TimelineRead]:
    """Status and stage changes and the farmer's actions, in the order we learnt of them (a change
    shows the marketplace's time, which may lag behind the action that caused it)."""
    rows = [
        (
            c["recorded_at"] or c["at"],
            TimelineRead(
                at=c["at"],
                kind="status",
                text_vi=_change_text(c),
                status=c["to_status"],
                stage=c["to_stage"],
                source=c["source"],
            ),
        )
        for c in changes
    ] + [
        (
            a["requested_at"],
            TimelineRead(
                at=a["requested_at"],
                kind="action",
                text_vi=_action_text(a),
                action_id=a["id"],
                action_status=a["status"],
            ),
        )
        for a in actions
    ]
    return [row for _, row in sorted(rows, key=lambda pair: clock.to_local(pair[0]))]


async def order_detail(actor: Actor, order_id: int, adapters: Adapters) -> OrderDetailRead:
    order = await desk.desk_order(actor, order_id)
    items = (await items_by_order([order_id])).get(order_id, [])
    changes = (
        await OrderStatusChange.select()
        .where(OrderStatusChange.order == order_id)
        .order_by(OrderStatusChange.id)
    )
    actions = await OrderAction.select().where(OrderAction.order == order_id).order_by(OrderAction.id)
    stage = current_stage(order)
    pending = next((a for a in reversed(actions) if a["status"] in PENDING), None)
    refusal = next((a for a in reversed(actions) if a["status"] == "failed"), None)
    allowed = [] if pending else [kind for kind in KINDS if stage in desk.ALLOWED[kind]]
    if await desk.restock_offered(order):
        allowed.append("restock")
    adapter = adapters.get(order["code"])
    reasons = getattr(adapter, "cancel_reasons", ())
    return OrderDetailRead(
        id=order["id"],
        marketplace=order["market"],
        marketplace_code=order["code"],
        order_ref=order["order_ref"],
        placed_at=order["placed_at"],
        status=order["status"],
        stage=stage,  # type: ignore[arg-type]
        stage_vi=desk.stage_words(stage)[0],
        payment=order["payment"],
        commune=order["commune"],
        items=items,
        act_by=order["act_by"],
        deadline_vi=deadline_words(order["code"], order["act_by"], stage)
        if order["status"] == "placed"
        else "",
        urgency=urgency(order["status"], order["act_by"], clock.now()),
        tracking_number=order["tracking_number"],
        carrier=order["carrier"],
        money=MoneyRead(order["amount_vnd"], order["fees_vnd"], order["payout_vnd"], order["paid_out"]),
        timeline=timeline(changes, actions),
        allowed=allowed,
        cancel_reasons=[CancelReasonRead(r.code, r.label_vi, r.label_en) for r in reasons],
        pending=desk.action_read(pending) if pending else None,
        last_refusal=desk.action_read(refusal) if refusal else None,
        restocked_at=order["restocked_at"],
    )


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def shipping_options(
    actor: Actor, order_id: int, adapters: Adapters, credentials_key: str
) -> ShippingOptionsRead:
    """Asked of the marketplace now (its slots change); only while the order waits to be shipped."""
    order = await desk.desk_order(actor, order_id)
    stage = current_stage(order)
    if stage not in desk.ALLOWED["arrange_shipment"]:
        raise desk.refused_in(stage, "arrange_shipment")
    adapter = adapters.get(order["code"])
    account = await order_account(order_id, credentials_key)
    if account is None or not hasattr(adapter, "shipping_options"):
        raise Conflict(
            "Không gửi hàng qua agrimarket được cho đơn này.",
            "This order cannot be shipped through agrimarket.",
        )
    try:
        options = await adapter.shipping_options(account, order["order_ref"])
    except Retryable as exc:
        raise Unavailable(
            "Sàn chưa trả lời, hãy thử lại sau ít phút.", "The marketplace did not answer; try again shortly."
        ) from exc
    except Rejected as exc:
        raise Conflict(exc.reason_vi, exc.reason_en) from exc
    except CredentialsError as exc:
        raise Conflict(
            "Sàn từ chối thông tin đăng nhập của tài khoản bán hàng; hãy kết nối lại tài khoản.",
            "The marketplace refused the seller account's credentials; connect the account again.",
        ) from exc
    return ShippingOptionsRead(
        pickup=[
            PickupAddressRead(
                a.address_id,
                a.address,
                [PickupSlotRead(s.slot_id, _at(s.starts_at), _at(s.ends_at)) for s in a.slots],
            )
            for a in options.pickup
        ],
        dropoff=[DropoffBranchRead(b.branch_id, b.name, b.address) for b in options.dropoff],
        carrier=options.carrier,
    )


async def payout_months(actor: Actor, months: int = 12) -> list[PayoutMonthRead]:
    """The last ``months`` months (by the orders' placing), newest first: payouts released, and
    those still to come (the marketplace's figure when reported, else the amount less known fees)."""
    starts = month_starts(clock.today(), months)
    since = datetime.combine(starts[-1], time.min, clock.VIETNAM)
    rows = await MarketplaceOrder.select(
        MarketplaceOrder.placed_at,
        MarketplaceOrder.amount_vnd,
        MarketplaceOrder.fees_vnd,
        MarketplaceOrder.payout_vnd,
        MarketplaceOrder.paid_out,
    ).where(
        desk_orders(actor)
        & (MarketplaceOrder.placed_at >= since)
        & MarketplaceOrder.status.is_in(list(EARNING))
    )
    totals = {start.strftime("%Y-%m"): [0, 0, 0] for start in starts}
    for row in rows:
        month = totals.get(clock.local_date(row["placed_at"]).strftime("%Y-%m"))
        if month is None:
            continue
        expected = row["payout_vnd"]
        if expected is None:
            expected = row["amount_vnd"] - (row["fees_vnd"] or 0)
        month[0 if row["paid_out"] else 1] += expected
        month[2] += 1
    return [PayoutMonthRead(key, paid, pending, n) for key, (paid, pending, n) in totals.items()]
