"""Builders for the order desk's action tests: an order of ours on a simulator, the worker run until
every order action has an answer, the order's detail over the API."""

from __future__ import annotations

import httpx

from integrations.tables import MarketplaceOrder, OrderAction
from tests.integrations.test_orders import deliver, live_listing
from tests.waiting import until


def buy(sims, code: str, item: str, quantity: int = 2, payment: str = "cod") -> str:
    answer = httpx.post(f"{sims[code].url}/orders/{item}", params={"quantity": quantity, "payment": payment})
    assert answer.status_code == 200, answer.text
    return answer.json()["order_id"]


def public(sims, code: str, path: str, **params) -> httpx.Response:
    """A buyer's or the carrier's step on the simulator; pushed to its ``sent`` list."""
    return httpx.post(f"{sims[code].url}{path}", params=params)


async def order_id(order_ref: str) -> int:
    row = (
        await MarketplaceOrder.select(MarketplaceOrder.id)
        .where(MarketplaceOrder.order_ref == order_ref)
        .first()
    )
    assert row is not None, order_ref
    return row["id"]


async def ordered(client, accounts, worker, sims, int_settings, code: str, quantity: int = 2):
    """A farmer with a live listing on ``code`` and one buyer's order of it, told by webhook:
    (farmer, product, listing's item, the marketplace's order id, our order id)."""
    farmer, product, item = await live_listing(client, accounts, worker, int_settings, code)
    ref = buy(sims, code, item, quantity)
    assert await deliver(client, sims, int_settings, code) is True
    return farmer, product, item, ref, await order_id(ref)


async def settle(worker, timeout: float = 60.0) -> None:
    """Run the worker (in this loop, between requests) until no order action is queued or running."""

    async def idle() -> bool:
        await worker.run_one()
        return not await OrderAction.exists().where(OrderAction.status.is_in(["queued", "running"]))

    await until(idle, timeout, every=0.02, what="the order actions to be answered")


async def detail(client, session, order: int) -> dict:
    answer = await client.get(f"/api/v1/orders/{order}", headers=session.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def act(client, session, order: int, action: str, body: dict | None = None, key: str | None = None):
    headers = session.headers | ({"Idempotency-Key": key} if key else {})
    return await client.post(f"/api/v1/orders/{order}/{action}", json=body or {}, headers=headers)


def answers_for(sims, code: str, marker: str) -> list[str]:
    """The idempotency keys the simulator stored answers under that contain ``marker``."""
    return [key for key in sims[code].state.answers if marker in key]
