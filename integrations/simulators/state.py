"""A simulator's configuration and in-memory store: fault rates, items, orders, the rate limit,
the fault dice and webhook pushes, with the counters the tests and the bench read.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from litestar import Response

from integrations.simulators import orders as order_book
from integrations.simulators.clock import SimClock
from integrations.simulators.responses import error
from integrations.webhooks import signature


@dataclass
class Faults:
    """Fault injection, each a probability per write request (they add up to the total fault rate)."""

    error_rate: float = 0.0  # 503 before anything is stored
    throttle_rate: float = 0.0  # 429 + Retry-After before anything is stored
    timeout_rate: float = 0.0  # hang past the client's timeout, then store
    drop_rate: float = 0.0  # store, then abort the connection without an answer
    latency_s: float = 0.0
    hang_s: float = 2.0
    retry_after_s: float = 0.2


@dataclass
class SimConfig:
    public_url: str = ""
    # Our app's redirect URL as registered with the marketplace: where its consent page sends the code.
    redirect_url: str = ""
    rate_limit_per_s: float = 0.0  # 0: unlimited
    faults: Faults = field(default_factory=Faults)
    shops: dict[str, dict[str, str]] = field(default_factory=dict)  # shop id -> credentials
    accept_demo_credentials: bool = True
    webhook_url: str = ""
    webhook_secret: str = ""
    seed: int | None = None
    # Seconds between the demo's generated orders (0: none; tests place orders themselves).
    order_interval_s: float = 0.0
    state_file: str = ""  # the mounted demo simulators keep their items across restarts
    # The marketplace's "now" in epoch seconds (tokens, timestamps, orders); tests move it.
    clock: Callable[[], float] = field(default_factory=SimClock)


@dataclass
class Item:
    id: str
    shop_id: str
    sku: str
    fields: dict[str, Any]
    version: int
    status: str  # live | rejected | delisted (mapped to each wire format)
    reason: str = ""
    moderated: bool = False  # taken down by moderation: seller writes do not bring it back
    created: float = 0.0  # epoch seconds on the simulator's clock


class SimState:
    """In-memory store of one simulator, with counters the tests read."""

    def __init__(self, code: str, config: SimConfig) -> None:
        self.code = code
        self.config = config
        self.items: dict[str, Item] = {}
        self.by_sku: dict[tuple[str, str], str] = {}
        self.answers: dict[str, tuple[int, dict]] = {}  # idempotency key -> first answer
        self.arrivals: deque[float] = deque()
        self.max_per_window = 0
        self.rate_limited = 0
        self.injected: dict[str, int] = dict.fromkeys(("error", "throttle", "timeout", "drop"), 0)
        self.bearer_tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expiry), if issued
        self.key_uses: dict[str, str] = {}  # a seller step's idempotency key -> the write it named
        self.hung: list[str | None] = []  # idempotency keys of the writes a timeout fault held
        self.requests = 0
        self.writes_applied = 0
        self.applied_at: dict[str, float] = {}  # sku -> when its last change was applied (bench)
        self._ids = itertools.count(1)
        self.orders: dict[str, order_book.SimOrder] = {}
        self._order_numbers = itertools.count(1)
        self.sent: list[tuple[bytes, str]] = []  # webhook events, as signed
        self._random = random.Random(config.seed)  # noqa: S311 - fault dice, not security
        self.load()

    def load(self) -> None:
        path = Path(self.config.state_file) if self.config.state_file else None
        if path is None or not path.exists():
            return
        data = json.loads(path.read_text())
        self.items = {i["id"]: Item(**i) for i in data["items"]}
        self.by_sku = {(i.shop_id, i.sku): i.id for i in self.items.values()}
        self._ids = itertools.count(data["next_id"])
        self.orders = {o["id"]: order_book.SimOrder(**o) for o in data.get("orders", [])}
        self._order_numbers = itertools.count(len(self.orders) + 1)

    def save(self) -> None:
        if not self.config.state_file:
            return
        path = Path(self.config.state_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "items": [asdict(i) for i in self.items.values()],
            "next_id": len(self.items) + 1,
            "orders": [asdict(o) for o in self.orders.values()],
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False))
        tmp.replace(path)

    def now(self) -> float:
        """The marketplace's time (epoch seconds), read through the config's clock."""
        return self.config.clock()

    def next_id(self) -> str:
        return f"{self.code[:2].upper()}{next(self._ids):07d}"

    def next_order_number(self) -> int:
        return next(self._order_numbers)

    def url(self, item_id: str) -> str:
        return f"{self.config.public_url}/item/{item_id}"

    def admit(self) -> Response | None:
        """Enforce the rate limit over a sliding second; record the busiest second seen."""
        now = time.monotonic()
        self.requests += 1
        while self.arrivals and self.arrivals[0] <= now - 1.0:
            self.arrivals.popleft()
        limit = self.config.rate_limit_per_s
        if limit and len(self.arrivals) >= limit:
            self.rate_limited += 1
            return error(429, "rate_limited", "Quá nhiều yêu cầu.", "Too many requests.", retry_after=1.0)
        self.arrivals.append(now)
        self.max_per_window = max(self.max_per_window, len(self.arrivals))
        return None

    async def fault(self) -> str | None:
        """Roll the dice for one write: None, or the fault to play (error/throttle answered here)."""
        faults = self.config.faults
        if faults.latency_s:
            await asyncio.sleep(self._random.uniform(0, faults.latency_s))
        roll = self._random.random()
        for name, rate in (
            ("error", faults.error_rate),
            ("throttle", faults.throttle_rate),
            ("timeout", faults.timeout_rate),
            ("drop", faults.drop_rate),
        ):
            if roll < rate:
                self.injected[name] += 1
                return name
            roll -= rate
        return None

    def live_items(self, shop_id: str | None = None) -> list[Item]:
        return [i for i in self.items.values() if i.status == "live" and shop_id in (None, i.shop_id)]

    async def notify(self, item: Item) -> None:
        """Push a status change to the configured webhook."""
        await self.push(
            {
                "type": "status",
                "shop_id": item.shop_id,
                "external_id": item.id,
                "status": item.status,
                "reason": item.reason,
                "at": self.now(),
            }
        )

    async def sell(self, item: Item, quantity: int, **buyer) -> dict:
        """A buyer's order: the marketplace's own count drops and the seller is told (webhook).
        ``buyer``: ``payment``, ``commune``, ``days_to_ship``, as ``orders.place`` takes them.
        The answer adds ``api_order_id``: the id the marketplace's API gives the order."""
        told = order_book.event(order_book.place(self, item, quantity, **buyer))
        await self.push(told)
        return told | {"api_order_id": self.api_order_id(told["order_id"])}

    def api_order_id(self, order_id: str) -> str:
        """The order's id in the marketplace's own API: ours, unless it numbers them its own way."""
        return order_id

    async def push(self, event: dict) -> None:
        """Send one event to the webhook, signed with its timestamp (X-Signature: t=…,v1=…).

        Every event is also kept in ``sent`` (body, signature header), so tests can deliver it to an
        app that has no port of its own.
        """
        body = json.dumps(event).encode()
        sig = signature.sign(self.config.webhook_secret, body, int(self.now()))
        self.sent.append((body, sig))
        if not self.config.webhook_url:
            return
        async with httpx.AsyncClient(timeout=5) as client:
            # A lost webhook is caught by the periodic pull.
            with contextlib.suppress(httpx.HTTPError):
                await client.post(self.config.webhook_url, content=body, headers={signature.HEADER: sig})
