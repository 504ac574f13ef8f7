"""What the order desk's bench stands on: two simulated Voso marketplaces, our app and its worker
(production settings, PostgreSQL), the bare app, a cooperative with a live listing on each.

One simulator pushes its orders to our webhook; the other, the ceiling's, to the bare app's
receiver. Both run in threads of the bench process, so their order books can be read as they change.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.db import ROOT
from bench.pages import PRODUCTION_KEYS
from bench.serve import Server
from integrations.settings import URL_VARIABLES
from integrations.simulators.serving import local_socket, start_in_thread, url_of

SHOP = "bench-htx"
CODE = "voso"  # a confirm step, then the Viettel Post waybill: both actions of the goal


@dataclass
class Sim:
    url: str
    state: object
    server: object


def start_sim(webhook_url: str, secret: str) -> Sim:
    from integrations.simulators import voso
    from integrations.simulators.state import SimConfig

    sock = local_socket()
    url = url_of(sock)
    app = voso.create_app(SimConfig(public_url=url, webhook_url=webhook_url, webhook_secret=secret))
    server, _ = start_in_thread(app, sock)
    while not server.started:
        time.sleep(0.05)
    return Sim(url, app.state.sim, server)


def production_env(voso_url: str) -> dict[str, str]:
    """What our app and worker run with (fresh keys; the other marketplaces never called)."""
    return {
        "APP_ENV": "production",
        **{key: secrets.token_hex(32) for key in PRODUCTION_KEYS},
        "LOG_FORMAT": "json",
        "INTEGRATIONS_WORKER": "off",
        **{variable: "http://127.0.0.1:9" for variable in URL_VARIABLES.values()},
        "INTEGRATIONS_VOSO_URL": voso_url,
        "DB_POOL_SIZE": "10",
    }


@dataclass
class Stack:
    """Everything started for the run, stopped by ``stop``."""

    ours: Sim
    bare_sim: Sim
    app: Server
    bare: Server
    worker: subprocess.Popen | None = None
    extra: list = field(default_factory=list)

    def stop(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.terminate()
            self.worker.wait(15)
        self.app.stop()
        self.bare.stop()
        for sim in (self.ours, self.bare_sim):
            sim.server.should_exit = True


def start(run_dir: Path) -> Stack:
    """The servers (the app's environment goes into os.environ: the bench seeds with the same keys)."""
    app_port, bare_port = _free(), _free()
    secret = secrets.token_hex(32)
    ours = start_sim(f"http://127.0.0.1:{app_port}/api/v1/webhooks/{CODE}", secret)
    bare_sim = start_sim(f"http://127.0.0.1:{bare_port}/webhook", secret)
    os.environ.update(production_env(ours.url) | {"INTEGRATIONS_WEBHOOK_SECRET": secret})
    env = os.environ.copy()
    app = Server("agrimarket.asgi:app", env, run_dir / "app.log", port=app_port).start()
    bare = Server("bench.bare_app:app", env, run_dir / "bare.log", port=bare_port).start()
    stack = Stack(ours, bare_sim, app, bare)
    # The sync worker as production runs it (default poll interval and concurrency).
    worker_env = env | {"INTEGRATIONS_EXIT_WITH_PARENT": "1"}
    with (run_dir / "worker.log").open("ab") as log:
        stack.worker = subprocess.Popen(
            [sys.executable, "-m", "integrations.sync.run"], env=worker_env, cwd=ROOT, stdout=log, stderr=log
        )
    return stack


def _free() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Seller:
    user_id: int
    cooperative: int
    item: str  # the live item on our simulator
    bare_item: str  # the same on the ceiling's simulator
    api_token: str
    web_token: str


async def seed(stack: Stack) -> Seller:
    """A verified cooperative, its manager, its Voso account and a product made live by the worker."""
    from agrimarket.accounts.service import open_session
    from agrimarket.demo_data import actor_for
    from agrimarket.products.service import create_product
    from agrimarket.settings import get_settings
    from agrimarket.tables import Commune, Cooperative, ProductPhoto, User
    from integrations import crypto
    from integrations.listings import service as listings
    from integrations.settings import IntegrationsSettings
    from integrations.simulators.credentials import demo_credentials
    from integrations.simulators.state import Item
    from integrations.tables import Listing, Marketplace, MarketplaceAccount

    now = datetime.now(UTC)
    await listings.ensure_marketplaces()
    commune = (await Commune.select(Commune.code).first())["code"]
    coop = Cooperative(
        name="HTX Bench", tax_code="0100000099", commune=commune, created_at=now, status="verified"
    )
    await coop.save()
    user = User(
        phone="0900000099",
        password_hash="-",  # noqa: S106 - a bench user that never logs in
        full_name="Quản lý HTX",
        role="coop_manager",
        cooperative=coop.id,
        created_at=now,
    )
    await user.save()
    market = await Marketplace.select(Marketplace.id).where(Marketplace.code == CODE).first()
    key = get_settings().section(IntegrationsSettings).credentials_key
    await MarketplaceAccount(
        marketplace=market["id"],
        owner_cooperative=coop.id,
        shop_id=SHOP,
        credentials_encrypted=crypto.encrypt(key, demo_credentials(CODE, SHOP)),
        created_at=now,
    ).save()
    actor = await actor_for(user.id)
    values = {"name": "Nước mắm Cát Hải", "category": "che_bien", "unit": "chai", "price_vnd": 95000}
    product = await create_product(actor, values | {"stock": 1_000_000})
    await ProductPhoto(product=product, image_key="b/1.webp", thumb_key="t", width=1, height=1).save()
    listing = await listings.publish(actor, product, CODE)
    while True:  # the worker makes it live
        row = await Listing.select(Listing.state, Listing.external_id).where(Listing.id == listing).first()
        if row["state"] == "live":
            break
        if row["state"] in ("rejected", "error"):
            raise RuntimeError(f"the bench listing was refused: {row}")
        await asyncio.sleep(0.1)
    # The ceiling's simulator gets the same item directly: its push reaches no app of ours.
    item = stack.ours.state.items[row["external_id"]]
    bare_state = stack.bare_sim.state
    bare_state.items[item.id] = Item(item.id, SHOP, item.sku, dict(item.fields), 1, "live")
    days = get_settings().session_days
    return Seller(
        user.id,
        coop.id,
        item.id,
        item.id,
        await open_session(user.id, "api", days),
        await open_session(user.id, "web", days),
    )
