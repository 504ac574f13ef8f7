"""What both marketplace simulators share: item store, idempotency, rate limit, faults, storefront.

Each simulator module (postmart, voso) adds its own authentication and wire format on top,
following the contract written in the matching adapter module.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import itertools
import json
import random
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from litestar import Response, get, post
from litestar.types import ASGIApp, Receive, Scope, Send

from integrations.simulators import orders as order_book

DROP_HEADER = "x-sim-drop"
DEMO_MASTER = b"agrimarket-simulator-demo"


def demo_mac(text: str) -> str:
    return hmac.new(DEMO_MASTER, text.encode(), hashlib.sha256).hexdigest()


def shopee_demo_partner_key(partner_id: str) -> str:
    return demo_mac(f"shopee-key:{partner_id}")


def shopee_demo_code(partner_id: str, shop_id: str) -> str:
    return demo_mac(f"shopee-code:{partner_id}:{shop_id}")[:32]


def demo_credentials(code: str, shop_id: str) -> dict[str, str]:
    """Credentials every simulator accepts for any shop id (used by the demo seed)."""
    secret = demo_mac(f"{code}:{shop_id}")[:32]
    if code == "shopee":
        # Shopee's own shape: a numeric partner id, its 64-hex key, and an authorization code.
        partner_id = str(1_000_000 + int(demo_mac(f"shopee-partner:{shop_id}")[:8], 16) % 8_000_000)
        return {
            "partner_id": partner_id,
            "partner_key": shopee_demo_partner_key(partner_id),
            "code": shopee_demo_code(partner_id, shop_id),
        }
    if code == "voso":
        return {"client_id": f"demo-{shop_id}", "client_secret": secret}
    return {"api_key": f"demo-{shop_id}", "api_secret": secret}


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
    created: float = field(default_factory=time.time)


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
                "at": time.time(),
            }
        )

    async def sell(self, item: Item, quantity: int) -> dict:
        """A buyer's order: the marketplace's own count drops and the seller is told (webhook)."""
        told = order_book.event(order_book.place(self, item, quantity))
        await self.push(told)
        return told

    async def push(self, event: dict) -> None:
        """Send one event to the webhook, signed with HMAC-SHA256 of the body (X-Signature).

        Every event is also kept in ``sent`` (body, signature), so tests can deliver it to an app
        that has no port of its own.
        """
        body = json.dumps(event).encode()
        sig = hmac.new(self.config.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        self.sent.append((body, sig))
        if not self.config.webhook_url:
            return
        async with httpx.AsyncClient(timeout=5) as client:
            # A lost webhook is caught by the periodic pull.
            with contextlib.suppress(httpx.HTTPError):
                await client.post(self.config.webhook_url, content=body, headers={"X-Signature": sig})


def error(
    status: int, code: str, message_vi: str, message_en: str, retry_after: float | None = None
) -> Response:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    body = {"error": {"code": code, "message": message_en, "message_vi": message_vi}}
    return Response(body, status_code=status, headers=headers)


async def play_write(state: SimState, key: str | None, apply) -> Response:
    """Faults, idempotency replay, then ``apply()`` -> (status, body); stores the first answer per key."""
    fault = await state.fault()
    if fault == "error":
        return error(503, "unavailable", "Hệ thống bận.", "Service unavailable.")
    if fault == "throttle":
        retry = state.config.faults.retry_after_s
        return error(429, "throttled", "Quá nhiều yêu cầu.", "Slow down.", retry_after=retry)
    if fault == "timeout":
        await asyncio.sleep(state.config.faults.hang_s)
    if key and key in state.answers:
        status, body = state.answers[key]
    else:
        status, body = apply()
        state.save()
        if key:
            state.answers[key] = (status, body)
    headers = {DROP_HEADER: "1"} if fault == "drop" else None
    return Response(body, status_code=status, headers=headers)


def storefront(state: SimState, title: str, shop_id: str) -> Response:
    rows = "".join(
        f'<li><a href="{html.escape(state.url(i.id))}">{html.escape(i.fields["name"])}</a> — '
        f"{i.fields['price']} đ · còn {i.fields['stock']}</li>"
        for i in state.live_items(shop_id)
    )
    page = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width"><title>{html.escape(title)} — {html.escape(shop_id)}</title>'
        f"<h1>{html.escape(title)} (mô phỏng) — gian hàng {html.escape(shop_id)}</h1>"
        f"<ul>{rows or '<li>Chưa có sản phẩm.</li>'}</ul></html>"
    )
    return Response(page, media_type="text/html")


def item_page(state: SimState, title: str, item_id: str) -> Response:
    item = state.items.get(item_id)
    if item is None or item.status != "live":
        return Response("<h1>Sản phẩm không còn bán.</h1>", media_type="text/html", status_code=404)
    fields = item.fields
    images = "".join(f'<img src="{html.escape(u)}" width="160" alt="">' for u in fields["images"][:3])
    page = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{html.escape(fields["name"])}</title>'
        f"<p>{html.escape(title)} (mô phỏng)</p><h1>{html.escape(fields['name'])}</h1>{images}"
        f"<p>{fields['price']} đ / {html.escape(fields['unit'])} · còn {fields['stock']}</p>"
        f"<p>{html.escape(fields['description'])}</p></html>"
    )
    return Response(page, media_type="text/html")


def public_routes(state: SimState, title: str, answer) -> list:
    """Routes both simulators share: the seller storefront, an item page and moderation takedown.

    ``answer(state, item)`` renders an item in the marketplace's own wire format.
    """

    @get("/shop/{shop_id:str}")
    async def shop_page(shop_id: str) -> Response:
        return storefront(state, title, shop_id)

    @get("/item/{item_id:str}")
    async def item(item_id: str) -> Response:
        return item_page(state, title, item_id)

    @post("/moderation/{item_id:str}/takedown", status_code=200)
    async def takedown(item_id: str, reason: str = "Vi phạm chính sách đăng bán") -> Response:
        found = state.items.get(item_id)
        if found is None:
            return error(404, "not_found", "Không có sản phẩm.", "No such item.")
        found.status, found.reason, found.moderated = "delisted", reason, True
        state.save()
        await state.notify(found)
        return Response(answer(state, found))

    @post("/orders/{item_id:str}", status_code=200)
    async def order(item_id: str, quantity: int = 1) -> Response:
        """A buyer orders on the marketplace (demo and tests): the sale is pushed to the seller."""
        found = state.items.get(item_id)
        if found is None or found.status != "live":
            return error(404, "not_found", "Không có sản phẩm.", "No such item.")
        if quantity < 1 or quantity > found.fields["stock"]:
            return error(409, "out_of_stock", "Không đủ hàng.", "Not enough stock.")
        return Response(await state.sell(found, quantity))

    @post("/orders/{order_id:str}/status", status_code=200)
    async def order_status(order_id: str, status: str) -> Response:
        """The order moves on (shipped, delivered, cancelled, returned): the seller is told."""
        found = state.orders.get(order_id)
        if found is None:
            return error(404, "not_found", "Không có đơn hàng.", "No such order.")
        if not order_book.move(state, found, status):
            return error(409, "bad_step", "Đơn hàng không thể chuyển sang trạng thái này.", "Not allowed.")
        told = order_book.event(found)
        await state.push(told)
        return Response(told)

    return [shop_page, item, takedown, order, order_status]


def validate(fields: dict[str, Any], name_max: int, desc_max: int, images_max: int) -> tuple[str, str] | None:
    """Shared validation rules; the Vietnamese reason is what the farmer will read."""
    if not fields["name"].strip():
        return "Thiếu tên sản phẩm.", "Product name is missing."
    if len(fields["name"]) > name_max:
        return f"Tên sản phẩm dài quá {name_max} ký tự.", f"Name longer than {name_max} characters."
    if len(fields["description"]) > desc_max:
        return f"Mô tả dài quá {desc_max} ký tự.", f"Description longer than {desc_max} characters."
    if not isinstance(fields["price"], int) or fields["price"] < 1000:
        return "Giá bán phải từ 1.000 đồng trở lên.", "Price must be at least 1,000 VND."
    if not isinstance(fields["stock"], int) or fields["stock"] < 0:
        return "Số lượng tồn kho không hợp lệ.", "Invalid stock quantity."
    images = fields["images"]
    if not images:
        return "Sản phẩm cần ít nhất một ảnh.", "At least one photo is required."
    if len(images) > images_max or not all(str(u).startswith(("http://", "https://")) for u in images):
        return "Ảnh sản phẩm phải là đường dẫn đầy đủ (http/https).", "Photos must be absolute http(s) URLs."
    return None


def upsert(state: SimState, shop_id: str, sku: str, fields: dict, version: int, item_id: str | None):
    """Create by sku or change an item; an older version is acknowledged without applying."""
    if item_id is None:
        item_id = state.by_sku.get((shop_id, sku))
    if item_id is None:
        item = Item(state.next_id(), shop_id, sku, fields, version, "live")
        state.items[item.id] = item
        state.by_sku[(shop_id, sku)] = item.id
        state.writes_applied += 1
        state.applied_at[sku] = time.time()
        return item
    item = state.items[item_id]
    if version >= item.version and not item.moderated:
        item.fields, item.version = fields, version
        item.status, item.reason = "live", ""
        state.writes_applied += 1
        state.applied_at[sku or item.sku] = time.time()
    return item


class DropMiddleware:
    """Turns a response marked DROP_HEADER into a connection cut mid-body (the client gets no answer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dropping = False

        async def guarded(message: Any) -> None:
            nonlocal dropping
            if message["type"] == "http.response.start":
                dropping = any(k.decode().lower() == DROP_HEADER for k, _ in message.get("headers", []))
                if dropping:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [(b"content-length", b"1000")],
                        }
                    )
                    await send({"type": "http.response.body", "body": b"{", "more_body": True})
                    return
            if dropping:
                return
            await send(message)

        await self.app(scope, receive, guarded)
        if dropping:
            raise ConnectionAbortedError("simulated drop after commit")
