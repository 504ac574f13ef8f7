"""Orders from the marketplaces: one row per marketplace and order id, statuses moving forward only.

The same order may arrive by webhook and by pull, in any order and any number of times; a status
already recorded, or one that would move the order back, changes nothing. Each item of an order
takes the product's stock down once (``stock.take_stock``, keyed by marketplace, order and item);
an order that arrives already cancelled or returned takes nothing, and a later cancellation or
return gives nothing back: the farmer knows whether the produce can still be sold (fresh produce
packed for a buyer, or sent back after days on the road, often cannot) and sets the stock with one
tap, while an automatic return to stock could sell what is no longer there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.events import OrderReceived, OrderStatusChanged, publish
from integrations.adapters.base import ORDER_NEXT, RemoteOrder, RemoteOrderItem
from integrations.adapters.desk import DESK_STAGES, STAGE_STATUS, STATUS_STAGE
from integrations.stock import service as stock
from integrations.tables import Listing, Marketplace, MarketplaceOrder, OrderItem, OrderStatusChange

# A report at most this much older than the stage we hold still counts (see _stale).
STALE_SLACK_S = 1.0
# Statuses in which an arriving order has taken goods off the shelf.
TAKES_STOCK = ("placed", "shipped", "delivered")


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _shipping_facts(remote: RemoteOrder) -> dict:
    """What the farmer needs to ship (the desk's columns), as the marketplace reported it."""
    return {
        "act_by": _when(remote.act_by) if remote.act_by is not None else None,
        "payment": remote.payment,
        "commune": remote.commune[:100],
    }


def reported_stage(remote: RemoteOrder) -> str:
    """The desk stage the report names, or the one its status implies (a report naming none)."""
    if remote.stage in DESK_STAGES and STAGE_STATUS[remote.stage] == remote.status:
        return remote.stage
    return STATUS_STAGE.get(remote.status, "")


def current_stage(row: dict) -> str:
    """An order's stage; one recorded before the desk is where its status puts it."""
    return row["stage"] or STATUS_STAGE.get(row["status"], "")


def _merged(items: list[RemoteOrderItem]) -> list[RemoteOrderItem]:
    """One line per marketplace item (the stock is taken once per order and item)."""
    merged: dict[str, RemoteOrderItem] = {}
    for item in items:
        if item.external_id in merged:
            merged[item.external_id].quantity += item.quantity
        else:
            merged[item.external_id] = RemoteOrderItem(item.external_id, item.quantity, item.price_vnd)
    return list(merged.values())


async def receive(marketplace_code: str, remote: RemoteOrder, source: str) -> bool:
    """Record an order, or its new status. True when something changed; False when it was known
    already, or when none of its items is one of our listings (another seller's order)."""
    async with write_transaction():
        market = await Marketplace.select(Marketplace.id).where(Marketplace.code == marketplace_code).first()
        if market is None:
            return False
        known = await _find(market["id"], remote.order_id)
        if known is None:
            if await _create(market["id"], marketplace_code, remote, source):
                return True
            # Not ours, or the other path (webhook or pull) recorded it a moment ago.
            known = await _find(market["id"], remote.order_id)
            if known is None:
                return False
        return await _advance(known, remote, source)


async def _find(marketplace_id: int, order_ref: str) -> dict | None:
    return (
        await MarketplaceOrder.select()
        .where((MarketplaceOrder.marketplace == marketplace_id) & (MarketplaceOrder.order_ref == order_ref))
        .first()
    )


async def _create(marketplace_id: int, code: str, remote: RemoteOrder, source: str) -> bool:
    items = _merged(remote.items)
    rows = await Listing.select(
        Listing.id,
        Listing.product,
        Listing.marketplace,
        Listing.household,
        Listing.cooperative,
        Listing.external_id,
    ).where(
        (Listing.marketplace == marketplace_id) & Listing.external_id.is_in([i.external_id for i in items])
    )
    ours = {row["external_id"]: row for row in rows}
    if not ours:
        return False
    seller = next(ours[i.external_id] for i in items if i.external_id in ours)
    now = datetime.now(UTC)
    inserted = (
        await MarketplaceOrder.insert(
            MarketplaceOrder(
                marketplace=marketplace_id,
                order_ref=remote.order_id,
                household=seller["household"],
                cooperative=seller["cooperative"],
                placed_at=_when(remote.placed_at),
                amount_vnd=remote.amount_vnd,
                status=remote.status,
                status_at=_when(remote.updated_at),
                created_at=now,
                stage=reported_stage(remote),
                stage_at=_when(remote.updated_at),
                tracking_number=remote.tracking_number[:60],
                **_shipping_facts(remote),
            )
        )
        .on_conflict(target=(MarketplaceOrder.marketplace, MarketplaceOrder.order_ref), action="DO NOTHING")
        .returning(MarketplaceOrder.id)
    )
    if not inserted:
        return False
    order_id = inserted[0]["id"]
    await OrderItem.insert(
        *[
            OrderItem(
                order=order_id,
                listing=ours.get(i.external_id, {}).get("id"),
                product=ours.get(i.external_id, {}).get("product"),
                external_id=i.external_id,
                quantity=i.quantity,
                price_vnd=i.price_vnd,
            )
            for i in items
        ]
    )
    await OrderStatusChange.insert(
        OrderStatusChange(
            order=order_id,
            from_status=None,
            to_status=remote.status,
            source=source,
            at=_when(remote.updated_at),
            to_stage=reported_stage(remote),
            recorded_at=now,
        )
    )
    placed = {
        "marketplace": code,
        "order": remote.order_id,
        "status": remote.status,
        "amount_vnd": remote.amount_vnd,
    }
    await audit.record(None, "order", order_id, "placed", placed)  # reported by the marketplace
    received = OrderReceived(
        order_id=order_id,
        marketplace=code,
        order_ref=remote.order_id,
        household_id=seller["household"],
        cooperative_id=seller["cooperative"],
        status=remote.status,
        amount_vnd=remote.amount_vnd,
        act_by=_when(remote.act_by) if remote.act_by is not None else None,
    )
    await publish(received)
    if remote.status in TAKES_STOCK:
        for item in items:
            if item.external_id in ours:
                await stock.take_stock(
                    ours[item.external_id], code, remote.order_id, item.external_id, item.quantity
                )
    return True


async def _fill_in(known: dict, remote: RemoteOrder) -> None:
    """Facts the first report lacked (a pull brings Shopee's ship_by_date after a bare push): set
    once, never overwritten, and not a change of the order's status."""
    missing = {
        getattr(MarketplaceOrder, name): value
        for name, value in _shipping_facts(remote).items()
        if value and not known[name]
    }
    if missing:
        await MarketplaceOrder.update(missing).where(MarketplaceOrder.id == known["id"])


def _next_stage(known: dict, remote: RemoteOrder, status: str, source: str) -> str:
    """The stage after this report: the marketplace's latest word, unless the report is older than
    the stage we hold or names a stage of another status than the order now has (a late report).
    The marketplace's answer to one of our actions is its latest word."""
    held = current_stage(known)
    stage = reported_stage(remote)
    if status != known["status"]:
        return stage if STAGE_STATUS.get(stage) == status else STATUS_STAGE[status]
    if not remote.stage or STAGE_STATUS.get(stage) != status:
        return held
    if source != "action" and known["stage_at"] is not None and _stale(remote, known["stage_at"]):
        return held
    return stage


def _stale(remote: RemoteOrder, stage_at: datetime) -> bool:
    """Older than the stage we hold by a whole second at least: some marketplaces report whole
    seconds (ISO 8601), so a report of the same second is taken as the newer word."""
    return remote.updated_at + STALE_SLACK_S <= stage_at.timestamp()


async def _advance(known: dict, remote: RemoteOrder, source: str) -> bool:
    """Move a known order forward: its status only forward (ORDER_NEXT), its desk stage to what the
    marketplace last said; the tracking number once given. True when the status or stage changed."""
    await _fill_in(known, remote)
    moves = remote.status in ORDER_NEXT.get(known["status"], ())
    status = remote.status if moves else known["status"]
    stage, held = _next_stage(known, remote, status, source), current_stage(known)
    at = _when(remote.updated_at)
    tracking = remote.tracking_number[:60]
    if tracking and tracking != known["tracking_number"]:
        await MarketplaceOrder.update({MarketplaceOrder.tracking_number: tracking}).where(
            MarketplaceOrder.id == known["id"]
        )
    if not moves and stage == held:
        return False  # the same status and stage again, or a late report of earlier ones
    changes: dict = {MarketplaceOrder.stage: stage, MarketplaceOrder.stage_at: at}
    if moves:
        changes |= {MarketplaceOrder.status: status, MarketplaceOrder.status_at: at}
    if remote.act_by is not None:
        changes[MarketplaceOrder.act_by] = _when(remote.act_by)  # the deadline of the next step
    await MarketplaceOrder.update(changes).where(MarketplaceOrder.id == known["id"])
    await OrderStatusChange.insert(
        OrderStatusChange(
            order=known["id"],
            from_status=known["status"],
            to_status=status,
            source=source,
            at=at,
            from_stage=held,
            to_stage=stage,
            recorded_at=datetime.now(UTC),
        )
    )
    audited = {"stage": {"from": held, "to": stage}}
    if moves:
        audited["status"] = {"from": known["status"], "to": status}
    await audit.record(None, "order", known["id"], "status" if moves else "stage", audited)
    if moves:
        await publish(OrderStatusChanged(order_id=known["id"], from_status=known["status"], to_status=status))
    return True
