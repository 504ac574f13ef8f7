"""The demo's buyers and carrier on a simulator (``make run``): new orders on live items, buyers asking
to cancel, the carrier picking up, delivering, failing and returning parcels, and the marketplace's
auto-cancel of orders whose deadline passed; every change pushed to the seller.

The seller's own steps (confirm, arrange the shipment, answer a cancellation) are the farmer's, on
the order desk: the buyers never take them.
"""

from __future__ import annotations

import asyncio
import contextlib
import random

from integrations.simulators import desk
from integrations.simulators.orders import COMMUNES, SimOrder, event, place, set_stage

# What the carrier does next with a parcel in each stage, and how often (the rest: delivered).
CARRIER_NEXT = {
    "to_pickup": (("in_transit", 1.0),),
    "in_transit": (("delivery_failed", 0.15), ("delivered", 0.85)),
    "delivery_failed": (("returned", 0.4), ("in_transit", 0.6)),
}
CANCEL_REQUEST_ODDS = 0.05  # of the steps that find an order the buyer may still cancel


async def generate(state, interval_s: float, stop: asyncio.Event) -> None:
    """Every ``interval_s`` (± half) one step of the buyers or the carrier, after the auto-cancel."""
    dice = random.Random()  # noqa: S311 - demo traffic, not security
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s * dice.uniform(0.5, 1.5))
        if stop.is_set():
            return
        with contextlib.suppress(Exception):  # a failed step must not end the demo's traffic
            await desk.expire(state)
            await one_step(state, dice)


def _carrier(order: SimOrder, dice: random.Random) -> str:
    roll, total = dice.random(), 0.0
    for stage, odds in CARRIER_NEXT[order.stage]:
        total += odds
        if roll < total:
            return stage
    return CARRIER_NEXT[order.stage][-1][0]


async def one_step(state, dice: random.Random) -> SimOrder | None:
    """A new order (half the time, or when nothing is on its way), else a parcel moved on by the
    carrier or, now and then, a buyer asking to cancel; the changed order, pushed."""
    moving = [o for o in state.orders.values() if o.stage in CARRIER_NEXT]
    cancellable = [o for o in state.orders.values() if o.stage in ("to_confirm", "to_ship", "to_pickup")]
    stocked = [i for i in state.live_items() if i.fields.get("stock", 0) > 0]
    order: SimOrder | None = None
    if cancellable and dice.random() < CANCEL_REQUEST_ODDS:
        order = dice.choice(cancellable)
        desk.request_cancellation(state, order)
    elif stocked and (not moving or dice.random() < 0.5):
        item = dice.choice(stocked)
        quantity = dice.randint(1, min(3, item.fields["stock"]))
        paid = dice.choice(("cod", "cod", "prepaid"))  # most Vietnamese buyers pay on delivery
        order = place(state, item, quantity, paid, dice.choice(COMMUNES), dice.randint(2, 3))
    elif moving:
        order = dice.choice(moving)
        set_stage(state, order, _carrier(order, dice))
    if order is not None:
        await state.push(event(order))
    return order
