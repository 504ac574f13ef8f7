"""Builders for the Voso and Postmart order desk tests: an adapter on its simulator, a live item,
a buyer's order, the pushes the simulator sent about it."""

from __future__ import annotations

import json

import httpx

from integrations.adapters.base import Account, ListingPayload, Retryable
from integrations.simulators.credentials import demo_credentials
from integrations.simulators.state import Faults

# 30 % of writes fail: refused before storing (503, 429), or stored with the answer lost (a hang past
# the client's timeout, a connection cut mid-answer).
FAULTS = Faults(
    error_rate=0.1, throttle_rate=0.05, timeout_rate=0.05, drop_rate=0.1, hang_s=0.6, retry_after_s=0.01
)


def account(code: str, shop_id: str = "shop-1") -> Account:
    return Account(shop_id, demo_credentials(code, shop_id))


async def live_item(adapter, code: str, stock: int = 50, price_vnd: int = 40_000) -> str:
    payload = ListingPayload(
        sku=f"agm-{stock}-{price_vnd}", name="Bưởi da xanh", description="Bưởi Bến Tre", category="trai_cay",
        unit="qua", price_vnd=price_vnd, stock=stock, photo_urls=["http://127.0.0.1/media/b.jpg"], version=1,
    )  # fmt: skip
    return (await adapter.publish(account(code), payload, f"item-{stock}-{price_vnd}")).external_id


def buy(sim, item: str, quantity: int = 2, payment: str = "cod") -> str:
    """A buyer orders on the simulated marketplace: the order's id."""
    answer = httpx.post(f"{sim.url}/orders/{item}", params={"quantity": quantity, "payment": payment})
    assert answer.status_code == 200, answer.text
    return answer.json()["order_id"]


def public(sim, path: str, **params) -> httpx.Response:
    """A buyer's or the carrier's step on the simulator (``/orders/{id}/carrier``…)."""
    return httpx.post(f"{sim.url}{path}", params=params)


def pushed(sim, order_id: str) -> list[dict]:
    """The order events the simulator pushed about one order, oldest first."""
    events = [json.loads(body) for body, _ in sim.state.sent]
    return [e for e in events if e.get("type") == "order" and e["order_id"] == order_id]


def stages_pushed(sim, order_id: str) -> list[str]:
    return [e["stage"] for e in pushed(sim, order_id)]


async def retried(call, *args):
    """``call(*args)`` until it is answered, as the outbox retries a write with the same key."""
    for _ in range(60):
        try:
            return await call(*args)
        except Retryable:
            continue
    raise AssertionError(f"{call.__name__} never answered")
