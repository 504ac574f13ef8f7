"""Demo orders on the order desk (listed in integrations/piccolo_app.py's DEMO_SEEDERS, after
integrations.demo): the demo's sellers get orders in every desk stage, through the real paths.

`make seed` runs before the app, so the seed serves the simulators itself for a moment, on
local ports, with the state files the app's mounted simulators load at `make run` (the same
orders, items and tracking numbers then): the worker makes the listings live, buyers order on the
simulators, the orders come in by the worker's pull, the farmer's steps go through the desk service
and its outbox, the buyers' cancellation requests and the carrier's steps through the simulators'
public routes, and each waybill label is fetched once into our store. Development only (tests
call ``seed_orders`` with simulators of their own); nothing is added when orders exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import httpx

from agrimarket import demo_data as demo
from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError
from agrimarket.media.storage import build_storage
from agrimarket.settings import Settings, get_settings
from agrimarket.tables import User
from integrations.adapters.desk import OrderDesk, ShipmentChoice
from integrations.demo import LAZADA_SHOP, TIKTOK_SHOP
from integrations.orders import desk, detail, labels
from integrations.orders.pull import pull_orders
from integrations.plugin import build_adapters
from integrations.settings import IntegrationsSettings
from integrations.simulators.registry import SIMULATORS
from integrations.simulators.serving import local_socket, start_in_thread, url_of
from integrations.sync.worker import Worker
from integrations.tables import Listing, MarketplaceAccount, MarketplaceOrder, OrderAction, SyncJob

# Each target stage and the steps that lead there: the farmer's on the desk ("confirm", "arrange",
# "cancel"), the buyer's ("ask_cancel") and the carrier's (the simulators' carrier steps).
STEPS = {
    "to_confirm": (),
    "to_ship": ("confirm",),
    "cancel_requested": ("confirm", "ask_cancel"),
    "to_pickup": ("confirm", "arrange"),
    "in_transit": ("confirm", "arrange", "picked_up"),
    "delivery_failed": ("confirm", "arrange", "picked_up", "delivery_failed"),
    "delivered": ("confirm", "arrange", "picked_up", "delivered"),
    "cancelled": ("cancel",),
    "returned": ("confirm", "arrange", "picked_up", "delivery_failed", "returned"),
}
# Whose orders, on which marketplace, in which stages: the cooperative's Voso shop has every stage;
# the member household's Postmart shop, the other household's Voso shop and the cooperative's Shopee,
# Lazada and TikTok Shop shops a few each, so every demo login has orders on its desk.
PLAN = (
    ("voso", "htx-cat-hai", tuple(STEPS)),
    ("postmart", "ho-nguyen-van-hung", ("to_confirm", "to_pickup", "delivered")),
    ("voso", "ho-luong-van-sang", ("to_confirm", "in_transit")),
    ("shopee", "880001", ("to_ship", "to_pickup", "delivered")),
    ("lazada", LAZADA_SHOP, ("to_ship", "to_pickup", "in_transit")),
    ("tiktok", TIKTOK_SHOP, ("to_ship", "to_pickup", "in_transit")),
)


async def seed() -> list[str]:
    """The DEMO_SEEDERS entry: in development, serve the simulators and seed through them."""
    settings = get_settings()
    section = settings.section(IntegrationsSettings)
    if section.environment != "development" or not section.mount_simulators:
        return ["Orders: no demo orders outside development (the simulators are not mounted)."]
    if await MarketplaceOrder.exists():
        return ["Orders: demo orders already present, nothing added."]
    state_dir = Path(section.sim_state_dir or settings.media_dir.parent)
    with serve_simulators(settings, state_dir) as urls:
        seeded = settings.with_section(
            dataclasses.replace(
                section,
                marketplace_urls=urls,
                backoff_base_seconds=0.05,
                backoff_cap_seconds=1.0,
            )
        )
        adapters = build_adapters(seeded)
        try:
            worker = Worker(seeded.section(IntegrationsSettings), adapters, build_storage(seeded))
            return await seed_orders(seeded, worker, urls)
        finally:
            await adapters.aclose()


@contextlib.contextmanager
def serve_simulators(settings: Settings, state_dir: Path) -> Iterator[dict[str, str]]:
    """The simulators on local ports, as `make run` mounts them (their public URLs, webhook
    secrets and state files), but pushing to no app: the seed hears of orders by pulling."""
    section = settings.section(IntegrationsSettings)
    servers, urls = [], {}
    for code, module in SIMULATORS.items():
        config = module.CONFIG(
            public_url=f"{settings.public_base_url}/sim/{code}",
            webhook_secret=section.webhook_secret_for(code),
            state_file=str(state_dir / f"sim-{code}.json"),
        )
        sock = local_socket()
        server, thread = start_in_thread(module.create_app(config), sock, log_level="warning")
        servers.append((server, thread, sock))
        urls[code] = url_of(sock)
    try:
        deadline = time.monotonic() + 15
        while not all(server.started for server, _, _ in servers):
            if time.monotonic() > deadline:
                raise RuntimeError("the demo's simulators did not start")
            time.sleep(0.05)
        yield urls
    finally:
        for server, _, _ in servers:
            server.should_exit = True
        for _, thread, sock in servers:
            thread.join(timeout=10)  # the server lets go of its socket first
            sock.close()


async def _idle(worker: Worker, timeout: float = 120.0) -> None:
    """Run the worker here until no listing job and no order action is left to send: one loop per
    marketplace, as the worker's own tasks, so one waiting for its rate limit holds up no other."""
    pending = ["queued", "running"]
    deadline = time.monotonic() + timeout

    async def left() -> bool:
        return await SyncJob.exists().where(
            SyncJob.status.is_in(pending)
        ) or await OrderAction.exists().where(OrderAction.status.is_in(pending))

    async def loop() -> None:
        while await left():
            if time.monotonic() > deadline:
                raise RuntimeError("the demo's sync jobs and order actions were not all sent")
            if not await worker.run_one():
                await asyncio.sleep(0.05)  # only jobs waiting out a back-off, or another loop's

    await asyncio.gather(*(loop() for _ in SIMULATORS))


async def _sellers() -> dict[str, Actor]:
    """The actor who works each demo shop's orders: the cooperative's manager, or the household."""
    phones = {
        "htx-cat-hai": demo.MANAGER[0],
        "880001": demo.MANAGER[0],
        LAZADA_SHOP: demo.MANAGER[0],
        TIKTOK_SHOP: demo.MANAGER[0],
        "ho-nguyen-van-hung": demo.member_phone(0),
        "ho-luong-van-sang": demo.OTHERS[0][1],
    }
    found = {}
    for shop, phone in phones.items():
        user = await User.select(User.id).where(User.phone == phone).first()
        if user is not None:
            found[shop] = await demo.actor_for(user["id"])
    return found


async def _live_item(code: str, shop: str) -> str | None:
    """A live item of the shop; on a cooperative's shop, one of the cooperative's own products."""
    in_shop = (
        (Listing.marketplace.code == code)
        & (Listing.state == "live")
        & Listing.external_id.is_not_null()
        & Listing.account.is_in(
            MarketplaceAccount.select(MarketplaceAccount.id).where(MarketplaceAccount.shop_id == shop)
        )
    )
    for where in (in_shop & Listing.cooperative.is_not_null(), in_shop):
        row = await Listing.select(Listing.external_id).where(where).order_by(Listing.id).first()
        if row is not None:
            return row["external_id"]
    return None


async def _order_id(order_ref: str) -> int:
    row = (
        await MarketplaceOrder.select(MarketplaceOrder.id)
        .where(MarketplaceOrder.order_ref == order_ref)
        .first()
    )
    assert row is not None, f"order {order_ref} was not pulled"
    return row["id"]


async def _farmer_step(step: str, actor: Actor, order_id: int, settings: Settings, worker: Worker) -> None:
    if step == "confirm":
        await desk.confirm(actor, order_id, f"demo-confirm-{order_id}")
    elif step == "cancel":
        adapter = worker.adapters.get((await desk.desk_order(actor, order_id))["code"])
        reason = cast(OrderDesk, adapter).cancel_reasons[0]  # the first of the marketplace's own reasons
        await desk.cancel(actor, order_id, reason.code, worker.adapters, f"demo-cancel-{order_id}")
    else:
        key = settings.section(IntegrationsSettings).credentials_key
        options = await detail.shipping_options(actor, order_id, worker.adapters, key)
        if options.dropoff:
            choice = ShipmentChoice("dropoff", branch_id=options.dropoff[0].branch_id)
        else:
            address = options.pickup[0]
            choice = ShipmentChoice("pickup", address.address_id, address.slots[0].slot_id)
        await desk.arrange_shipment(actor, order_id, choice, f"demo-ship-{order_id}")


async def seed_orders(settings: Settings, worker: Worker, urls: dict[str, str]) -> list[str]:
    """Orders in every stage of PLAN on the simulators at ``urls``, through the real paths."""
    section = settings.section(IntegrationsSettings)
    await _idle(worker)  # the demo's listings live first: buyers order live items
    sellers = await _sellers()
    # code, the simulator's ref, the marketplace API's id (our order_ref), seller, target, steps
    orders: list[tuple[str, str, str, Actor, str, tuple[str, ...]]] = []
    async with httpx.AsyncClient(timeout=30) as http:
        for code, shop, stages in PLAN:
            item = await _live_item(code, shop)
            if item is None or shop not in sellers:
                continue
            steps_of = {s: STEPS[s] for s in stages}
            if not cast(OrderDesk, worker.adapters.get(code)).confirms:  # ready to ship at once
                steps_of = {s: tuple(x for x in steps if x != "confirm") for s, steps in steps_of.items()}
            for n, (stage, steps) in enumerate(steps_of.items()):
                payment = "prepaid" if n % 3 == 2 else "cod"
                placed = await http.post(
                    f"{urls[code]}/orders/{item}", params={"quantity": 1, "payment": payment}
                )
                placed.raise_for_status()
                sold = placed.json()
                orders.append((code, sold["order_id"], sold["api_order_id"], sellers[shop], stage, steps))
        await pull_orders(worker.adapters, section)
        for round_no in range(max((len(o[5]) for o in orders), default=0)):
            for code, ref, api_id, actor, _, steps in orders:
                if round_no >= len(steps):
                    continue
                step = steps[round_no]
                if step in ("confirm", "arrange", "cancel"):
                    await _farmer_step(step, actor, await _order_id(api_id), settings, worker)
                else:
                    path = "cancel-request" if step == "ask_cancel" else "carrier"
                    params = {} if step == "ask_cancel" else {"step": step}
                    moved = await http.post(f"{urls[code]}/orders/{ref}/{path}", params=params)
                    moved.raise_for_status()
            await _idle(worker)
            await pull_orders(worker.adapters, section)  # also reads the delivered orders' fees
    printable = await _labels(orders, settings, worker)
    reached = sorted({o[4] for o in orders})
    return [
        f"Orders: {len(orders)} demo orders on the desk in {len(reached)} stages ({', '.join(reached)}), "
        f"{printable} waybill labels ready to print; the simulated buyers keep ordering during `make run`."
    ]


async def _labels(orders: list, settings: Settings, worker: Worker) -> int:
    """Each waybill label fetched once (A6) into our store, as the desk's label route keeps it; all
    at once (each marketplace's calls still keep its rate limit)."""
    key = settings.section(IntegrationsSettings).credentials_key
    storage = build_storage(settings)

    async def fetch(api_id: str, actor: Actor) -> bool:
        order_id = await _order_id(api_id)
        with contextlib.suppress(DomainError):  # no waybill yet, or the carrier's label not ready
            order = await labels.order_for_label(actor, order_id, key)
            if order.tracking_number:
                await labels.label_pdf(storage, worker.adapters, settings.secret_key, order, "a6")
                return True
        return False

    return sum(await asyncio.gather(*(fetch(api_id, actor) for _, _, api_id, actor, _, _ in orders)))
