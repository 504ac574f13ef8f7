"""Buyers' orders in a simulator: placed on live items, moved along, pushed to the seller, listed.
(The demo's buyers and carrier, who take those steps on their own, are ``buyers``.)

Orders are kept in our own status words; each simulator module renders them in its marketplace's
wire format for the pull (``GET …/orders``). Every change is also pushed as a signed ``order``
webhook event, so the seller hears of it twice: by push, and by the next pull.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.adapters import postmart, voso
from integrations.adapters.base import ORDER_NEXT as NEXT
from integrations.adapters.desk import STAGE_STATUS, STATUS_STAGE


@dataclass
class SimOrder:
    id: str
    shop_id: str
    status: str  # placed | shipped | delivered | cancelled | returned
    created: float
    updated: float
    lines: list[dict] = field(default_factory=list)  # {"item_id", "quantity", "price"}
    payment: str = "cod"  # cod | prepaid
    commune: str = ""  # where it goes (the buyer's commune); the simulators know no more of the buyer
    days_to_ship: int = 2
    ship_by: float | None = None  # Shopee's ship_by_date; the others publish no deadline field
    # The order desk (integrations.simulators.desk): the stage (desk.DESK_STAGES), the deadline of
    # the step the seller must take next (its marketplace's field or rule), the carrier's waybill.
    stage: str = "to_ship"
    act_by: float | None = None
    tracking_number: str = ""
    carrier: str = ""
    shipping_method: str = ""  # pickup | dropoff, once arranged
    cancel_reason: str = ""
    cancelled_by: str = ""  # seller | buyer | system (the marketplace's auto-cancel)
    stage_before_request: str = ""  # where a buyer's cancellation request found it

    @property
    def total(self) -> int:
        return sum(line["quantity"] * line["price"] for line in self.lines)


def event(order: SimOrder) -> dict:
    """The webhook body for an order, in the neutral shape every simulator pushes."""
    return {
        "type": "order",
        "shop_id": order.shop_id,
        "order_id": order.id,
        "status": order.status,
        "placed_at": order.created,
        "at": order.updated,
        "amount_vnd": order.total,
        "items": [
            {"external_id": line["item_id"], "quantity": line["quantity"], "price_vnd": line["price"]}
            for line in order.lines
        ],
        "payment": order.payment,
        "commune": order.commune,
        "stage": order.stage,
        "tracking_number": order.tracking_number,
    } | ({"act_by": order.act_by} if order.act_by is not None else {})


# Each marketplace's first desk stage and the seconds the seller has for it (None: Shopee's
# days_to_ship). Voso and Postmart: the rules of our contracts (their adapter modules).
FIRST_STEP: dict[str, tuple[str, float | None]] = {
    "shopee": ("to_ship", None),
    "voso": ("to_confirm", voso.CONFIRM_WITHIN_S),
    "postmart": ("to_confirm", postmart.HANDOVER_WITHIN_S),
}

# Communes the demo's buyers live in (names only: the seller ships to a commune, not to a person).
COMMUNES = ("Phường Hoàn Kiếm", "Xã Tân Phú", "Phường Bến Thành", "Xã Cát Hải", "Phường Ninh Kiều")


def place(
    state, item, quantity: int, payment: str = "cod", commune: str = COMMUNES[0], days_to_ship: int = 2
) -> SimOrder:
    """A buyer orders ``quantity`` of a live item; the marketplace's own count drops. Shopee gives
    each order a ship-by date, ``days_to_ship`` days after it is placed (the shop's preparation
    time, 2-3 days for most sellers); the others' deadlines are rules of their contracts."""
    now = state.now()
    first_stage, act_within = FIRST_STEP.get(state.code, ("to_ship", None))
    order = SimOrder(
        stage=first_stage,
        act_by=now + (act_within if act_within is not None else days_to_ship * 86400),
        payment=payment,
        commune=commune,
        days_to_ship=days_to_ship,
        ship_by=now + days_to_ship * 86400 if state.code == "shopee" else None,
        id=f"{state.code[:2].upper()}-ORD-{state.next_order_number():06d}",
        shop_id=item.shop_id,
        status="placed",
        created=now,
        updated=now,
        lines=[{"item_id": item.id, "quantity": quantity, "price": int(item.fields["price"])}],
    )
    item.fields["stock"] -= quantity
    state.orders[order.id] = order
    state.save()
    return order


def move(state, order: SimOrder, status: str) -> bool:
    """Move an order on; False when the step is not allowed (the order is left as it was)."""
    if status not in NEXT.get(order.status, ()):
        return False
    set_stage(state, order, STATUS_STAGE[status])
    return True


def set_stage(state, order: SimOrder, stage: str) -> None:
    """The order's desk stage, and with it its status (desk.STAGE_STATUS)."""
    order.stage, order.status, order.updated = stage, STAGE_STATUS[stage], state.now()
    state.save()


def changed_since(state, shop_id: str, since: float) -> list[SimOrder]:
    """The shop's orders created or changed at or after ``since``, oldest change first."""
    found = [o for o in state.orders.values() if o.shop_id == shop_id and o.updated >= since]
    return sorted(found, key=lambda o: (o.updated, o.id))
