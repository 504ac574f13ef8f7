"""What is told to whom: each domain event that concerns a household becomes a message (short,
Vietnamese, with a link), written inside the publisher's transaction (``agrimarket.events``).

Registered by ``connect`` from ``agrimarket.app.connect_apps``. Batches and growing areas belong to
traceability: their owner and name come through the ``message_subject`` port.
"""

from __future__ import annotations

from datetime import datetime

from agrimarket import clock, ports
from agrimarket.events import (
    BatchFlagged,
    CounterfeitWarning,
    EventBus,
    GrowingAreaStatusChanged,
    ListingStateChanged,
    OrderDeadlineNear,
    OrderReceived,
    ProductChanged,
    TrainingRecorded,
)
from agrimarket.messages import kinds
from agrimarket.messages.service import Draft, to_household, to_owner
from agrimarket.tables import Product, TrainingSession
from agrimarket.web.i18n import format_vnd

AREA_STATUS_WORDS = {
    "verified": "đã được xác minh",
    "suspended": "bị tạm dừng",
    "revoked": "bị thu hồi mã",
}


def _marketplace_name(code: str) -> str:
    """The marketplace's name as integrations registers it (its code without integrations)."""
    return ports.current().marketplace_names.get(code, code)


def _local(moment: datetime) -> str:
    return clock.to_local(moment).strftime("%H:%M %d/%m")


async def on_order_received(event: OrderReceived) -> None:
    market = _marketplace_name(event.marketplace)
    # The order desk adds the marketplace's deadline to the event (act_by); older publishers do not.
    act_by = getattr(event, "act_by", None)
    deadline = f" Cần xử lý trước {_local(act_by)}." if isinstance(act_by, datetime) else ""
    text = f"Đơn hàng mới trên {market}: mã {event.order_ref}, {format_vnd(event.amount_vnd)}.{deadline}"
    params = {"marketplace": market, "order_ref": event.order_ref, "amount": format_vnd(event.amount_vnd)}
    if isinstance(act_by, datetime):
        params["deadline"] = _local(act_by)
    draft = Draft(kinds.ORDER_RECEIVED, text, f"order:{event.order_id}", "/orders", params)
    await to_owner(event.household_id, event.cooperative_id, draft)


async def on_order_deadline_near(event: OrderDeadlineNear) -> None:
    """Once per order (the cause names it): the seller has not acted and under 4 hours are left."""
    market = _marketplace_name(event.marketplace)
    what = event.deadline_vi or f"Cần xử lý trước {_local(event.act_by)}"
    draft = Draft(
        kinds.ORDER_DEADLINE_NEAR,
        f"Đơn {event.order_ref} trên {market} sắp quá hạn. {what}.",
        f"order-deadline:{event.order_id}",
        f"/orders/{event.order_id}",
        {"marketplace": market, "order_ref": event.order_ref, "deadline": _local(event.act_by)},
    )
    await to_owner(event.household_id, event.cooperative_id, draft)


async def on_listing_state_changed(event: ListingStateChanged) -> None:
    if event.product_id is None:
        return  # the demo's back-history
    if event.to_state == "rejected":
        kind, verb = kinds.LISTING_REJECTED, "bị sàn từ chối"
    elif event.to_state == "delisted" and event.reason:
        kind, verb = kinds.LISTING_TAKEN_DOWN, "bị sàn gỡ xuống"
    else:
        return  # the seller's own withdrawal, or good news the listing page already shows
    product = await Product.select(Product.name).where(Product.id == event.product_id).first()
    name = product["name"] if product else "Sản phẩm"
    reason = f": {event.reason}" if event.reason else "."
    draft = Draft(
        kind,
        f"Sản phẩm «{name}» {verb}{reason}",
        f"listing:{event.listing_id}:{event.to_state}:{clock.now().timestamp():.0f}",
        f"/products?listing={event.listing_id}",
        {"product": name[:100], "reason": event.reason[:200]},
    )
    await to_owner(event.household_id, event.cooperative_id, draft)


async def on_product_changed(event: ProductChanged) -> None:
    """Stock at 0 while the product is live on a marketplace: buyers there see it sold out."""
    if event.deleted:
        return
    product = (
        await Product.select(Product.name, Product.stock, Product.owner_household, Product.owner_cooperative)
        .where(Product.id == event.product_id)
        .first()
    )
    if product is None or product["stock"] != 0:
        return
    live = await ports.current().where_to_buy(event.product_id)
    if not live:
        return
    markets = ", ".join(link["name"] for link in live)
    draft = Draft(
        kinds.STOCK_OUT,
        f"«{product['name']}» đã hết hàng nhưng vẫn đang bán trên {markets}. Cập nhật số lượng nếu còn hàng.",
        # At most one a day per product, however often it is edited at 0.
        f"stock-out:{event.product_id}:{clock.today().isoformat()}",
        "/products",
        {"product": product["name"][:100], "marketplaces": markets[:100]},
    )
    await to_owner(product["owner_household"], product["owner_cooperative"], draft)


async def on_counterfeit_warning(event: CounterfeitWarning) -> None:
    subject = await ports.current().message_subject("batch", event.batch_id)
    if subject is None:
        return
    draft = Draft(
        kinds.COUNTERFEIT_WARNING,
        f"Cảnh báo: tem {event.serial} của lô {subject['code']} ({subject['name']}) bị quét ở nhiều nơi, "
        "có thể đã bị làm giả.",
        f"counterfeit:{event.stamp_id}:{clock.now().timestamp():.0f}",
        f"/batches/{event.batch_id}",
        {"serial": event.serial, "lot": subject["code"], "product": subject["name"][:100]},
    )
    await to_owner(subject["household"], subject["cooperative"], draft)


async def on_batch_flagged(event: BatchFlagged) -> None:
    subject = await ports.current().message_subject("batch", event.batch_id)
    if subject is None:
        return
    draft = Draft(
        kinds.BATCH_FLAGGED,
        f"Lô {subject['code']} ({subject['name']}) bị gắn cờ: {event.reason}",
        f"batch-flag:{event.batch_id}:{clock.now().timestamp():.0f}",
        f"/batches/{event.batch_id}",
        {"lot": subject["code"], "product": subject["name"][:100], "reason": event.reason[:200]},
    )
    await to_owner(subject["household"], subject["cooperative"], draft)


async def on_area_status_changed(event: GrowingAreaStatusChanged) -> None:
    words = AREA_STATUS_WORDS.get(event.to_status)
    if words is None:
        return
    subject = await ports.current().message_subject("area", event.area_id)
    if subject is None:
        return
    code = f" ({subject['code']})" if subject["code"] else ""
    reason = f": {event.reason}" if event.reason and event.to_status != "verified" else "."
    draft = Draft(
        kinds.AREA_STATUS,
        f"Vùng trồng {subject['name']}{code} {words}{reason}",
        f"area:{event.area_id}:{event.to_status}:{clock.now().timestamp():.0f}",
        "/areas",
        {"area": subject["name"][:100], "status": words, "reason": event.reason[:200]},
    )
    await to_owner(subject["household"], subject["cooperative"], draft)


async def on_training_recorded(event: TrainingRecorded) -> None:
    session = (
        await TrainingSession.select(TrainingSession.topic, TrainingSession.held_on)
        .where(TrainingSession.id == event.session_id)
        .first()
    )
    if session is None:
        return
    held_on = session["held_on"].strftime("%d/%m/%Y")
    for household_id in event.household_ids:
        draft = Draft(
            kinds.TRAINING,
            f"Đã ghi nhận hộ tham gia tập huấn «{session['topic']}» ngày {held_on}.",
            f"training:{event.session_id}",
            "/",
            {"topic": session["topic"][:100], "date": held_on},
        )
        await to_household(household_id, draft)


def connect(bus: EventBus) -> None:
    """The core's own subscribers: the messages each event makes."""
    bus.subscribe(OrderReceived, on_order_received)
    bus.subscribe(OrderDeadlineNear, on_order_deadline_near)
    bus.subscribe(ProductChanged, on_product_changed)
    bus.subscribe(ListingStateChanged, on_listing_state_changed)
    bus.subscribe(CounterfeitWarning, on_counterfeit_warning)
    bus.subscribe(BatchFlagged, on_batch_flagged)
    bus.subscribe(GrowingAreaStatusChanged, on_area_status_changed)
    bus.subscribe(TrainingRecorded, on_training_recorded)
