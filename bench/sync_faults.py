"""The sync under faults (issue 18's goals): three simulated marketplaces with 30 % injected
faults of four kinds. First price changes at a pace every marketplace can take (a change must be
live everywhere in p50 ≤ 2 s, p99 ≤ 15 s), then a burst that saturates Shopee (4 calls a change)
while Postmart and Voso take it easily (their p99 ≤ 5 s).

Measures, per product, a farmer's price change -> applied on each marketplace (the simulators'
own clocks of applied writes), and each marketplace's busiest second against its limit. The
listings' first push, before the faults, is set-up and goes at ``SETUP_RATE``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time

from bench.db import ROOT
from bench.pacing import paced
from bench.report import Figure, Result, verdict
from bench.serve import stop_all
from integrations.settings import IntegrationsSettings
from integrations.simulators.serving import local_socket, start_in_thread, url_of

N = 60  # products, each listed on the three marketplaces
PACED = (30, 1.5)  # changes, per second: Shopee offered 6 calls/s (+ retries) against its limit of 10
BURST = (60, 20.0)  # Shopee offered 80 calls/s: saturated for half a minute
LIMITS = {"postmart": 40.0, "voso": 40.0, "shopee": 10.0}
# The listings' first push, before the faults, is set-up, not measured: every marketplace takes it at
# this rate, then the workers start again with the limits above (they read them at start).
SETUP_RATE = 200.0
SHOPS = {"postmart": "bench-pm", "voso": "bench-vo", "shopee": "990001"}
FAULTS = dict(error_rate=0.09, throttle_rate=0.07, timeout_rate=0.06, drop_rate=0.08)  # 30 %
GOALS = {"all_p50": 2.0, "all_p99": 15.0, "others_p99": 5.0}


def _sims() -> dict:
    from integrations.simulators import postmart, shopee, voso
    from integrations.simulators.state import Faults

    started = {}
    for code, module in (("postmart", postmart), ("voso", voso), ("shopee", shopee)):
        sock = local_socket()
        url = url_of(sock)
        config = module.CONFIG(public_url=url, faults=Faults(hang_s=1.5))
        app = module.create_app(config)
        server, _ = start_in_thread(app, sock)
        started[code] = (url, app.state.sim, server)
    time.sleep(0.5)
    return started


def _workers(urls: dict[str, str], count: int = 2) -> list[subprocess.Popen]:
    env = os.environ | {
        "INTEGRATIONS_POSTMART_URL": urls["postmart"],
        "INTEGRATIONS_VOSO_URL": urls["voso"],
        "INTEGRATIONS_SHOPEE_URL": urls["shopee"],
        "INTEGRATIONS_WORKER_CONCURRENCY": "16",
        "INTEGRATIONS_POLL_SECONDS": "0.05",
        "INTEGRATIONS_BACKOFF_BASE": "0.1",
        "INTEGRATIONS_BACKOFF_CAP": "2",
        "INTEGRATIONS_HTTP_TIMEOUT": "1",
        "DB_POOL_SIZE": "8",
        "INTEGRATIONS_EXIT_WITH_PARENT": "1",
    }
    command = [sys.executable, "-m", "integrations.sync.run"]
    return [subprocess.Popen(command, env=env, cwd=ROOT) for _ in range(count)]  # noqa: S603


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values or [0.0])[0]


async def _seed() -> list[tuple]:
    import io
    from datetime import UTC, datetime

    from PIL import Image

    from agrimarket.accounts import service as accounts
    from agrimarket.demo import actor_for
    from agrimarket.media.storage import build_storage
    from agrimarket.products.service import create_product
    from agrimarket.settings import get_settings
    from agrimarket.tables import ProductPhoto
    from integrations import crypto
    from integrations.simulators.credentials import demo_credentials
    from integrations.simulators.shopee_catalog import ORIGIN, VIETNAM
    from integrations.tables import Marketplace, MarketplaceAccount

    settings = get_settings()
    user_id = await accounts.register(
        accounts.Registration("0914000001", "mat-khau-123", "Hộ Bench", "11914")
    )
    actor = await actor_for(user_id)
    for code, shop in SHOPS.items():
        market = await Marketplace.select().where(Marketplace.code == code).first()
        await MarketplaceAccount.insert(
            MarketplaceAccount(
                marketplace=market["id"],
                owner_household=actor.household_id,
                shop_id=shop,
                credentials_encrypted=crypto.encrypt(
                    settings.section(IntegrationsSettings).credentials_key, demo_credentials(code, shop)
                ),
                created_at=datetime.now(UTC),
            )
        )
    storage = build_storage(settings)
    made = []
    photo = io.BytesIO()
    Image.new("RGB", (8, 6), "#4f76a0").save(photo, "WEBP")  # a real photo: Shopee gets it as JPEG
    for i in range(N):
        values = {"name": f"Cá {i}", "category": "thuy_san", "unit": "kg", "price_vnd": 50000, "stock": 9}
        # Shopee's fresh seafood leaf asks for the country of origin (issue 24): made in Việt Nam.
        values["marketplace_attributes"] = {f"shopee.{ORIGIN}": str(VIETNAM)}
        pid = await create_product(actor, values)
        await storage.put(f"f/{pid}.webp", photo.getvalue(), "image/webp")
        made.append((actor, pid))
    await ProductPhoto.insert(
        *[ProductPhoto(product=p, image_key=f"f/{p}.webp", thumb_key="t", width=1, height=1) for _, p in made]
    )
    return made


async def _limit(sims: dict, rates: dict[str, float]) -> None:
    """Each marketplace's limit, at its simulator and as registered (workers started later pace to
    it); the busiest second and the refusals counted from here on."""
    from integrations.tables import Marketplace, RateBucket

    for code, rate in rates.items():
        await Marketplace.update({Marketplace.rate_limit_per_s: rate}).where(Marketplace.code == code)
        sim = sims[code][1]
        sim.config.rate_limit_per_s = rate
        sim.max_per_window, sim.rate_limited = 0, 0
    await RateBucket.delete(force=True)


def _each(latency: dict[str, dict[int, float]]) -> str:
    return ", ".join(
        f"{c} p50 {_pct(list(v.values()), 50):.1f} s p99 {_pct(list(v.values()), 99):.1f} s"
        for c, v in latency.items()
    )


async def _changes(made: list[tuple], per_s: float, price: int, sims: dict) -> dict[str, dict[int, float]]:
    """Price changes at ``per_s``, then the queue drained: seconds to applied, per marketplace and product."""
    from agrimarket.products.service import update_product
    from integrations.tables import Listing

    for _, sim, _ in sims.values():
        sim.applied_at.clear()
    changed: dict[int, float] = {}

    async def change(i: int) -> None:
        actor, pid = made[i]
        changed[pid] = time.time()
        await update_product(actor, pid, {"price_vnd": price + i})

    await paced(len(made), per_s, change)
    await _drained(600)
    rows = await Listing.select(Listing.id, Listing.product, Listing.marketplace.code.as_alias("code"))
    latency: dict[str, dict[int, float]] = {code: {} for code in SHOPS}
    for row in rows:
        applied = sims[row["code"]][1].applied_at.get(f"agm-{row['id']}")
        if applied is not None and row["product"] in changed:
            latency[row["code"]][row["product"]] = applied - changed[row["product"]]
    return latency


async def _drained(timeout: float) -> None:
    from integrations.tables import SyncJob

    deadline = time.monotonic() + timeout
    while await SyncJob.exists().where(SyncJob.status.is_in(["queued", "running"])):
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.1)


async def faulted() -> Result:
    from agrimarket.app import connect_apps
    from agrimarket.products.service import update_product
    from integrations.listings import service as listings
    from integrations.simulators.state import Faults
    from integrations.tables import SyncJob

    connect_apps()  # no app here: product changes reach the listings through the subscribers it registers
    sims = _sims()
    urls = {code: url for code, (url, _, _) in sims.items()}
    made = await _seed()
    await _limit(sims, dict.fromkeys(SHOPS, SETUP_RATE))
    for actor, pid in made:
        for code in SHOPS:
            await listings.publish(actor, pid, code)
    procs = _workers(urls)
    try:
        await _drained(300)  # the listings' first push, without faults
        stop_all(procs, timeout=20)
        await _limit(sims, LIMITS)
        procs = _workers(urls)
        # The new workers' start (imports, pool) is not measured: one change through them first.
        actor, pid = made[-1]
        await update_product(actor, pid, {"price_vnd": 55000})
        await _drained(60)
        for _, sim, _ in sims.values():
            sim.config.faults = Faults(**FAULTS, hang_s=1.5, retry_after_s=0.5)
            sim.applied_at.clear()
        paced = await _changes(made[: PACED[0]], PACED[1], 60000, sims)
        burst = await _changes(made[: BURST[0]], BURST[1], 70000, sims)
        dead = await SyncJob.count().where(SyncJob.status == "dead")
    finally:
        stop_all(procs, timeout=20)
        for _, _, server in sims.values():
            server.should_exit = True
    everywhere = [max(paced[c].get(pid, float("inf")) for c in SHOPS) for _, pid in made[: PACED[0]]]
    others = list(burst["postmart"].values()) + list(burst["voso"].values())
    all50, all99, others99 = _pct(everywhere, 50), _pct(everywhere, 99), _pct(others, 99)
    busiest = {code: sim.max_per_window for code, (_, sim, _) in sims.items()}
    within = all(busiest[c] <= LIMITS[c] for c in SHOPS)
    injected = {code: dict(sim.injected) for code, (_, sim, _) in sims.items()}
    return Result(
        figures=[
            Figure(
                f"sync under 30 % faults: change -> live on every marketplace ({PACED[1]:g} changes/s)",
                f"p50 {all50:.1f} s, p99 {all99:.1f} s",
                "",
                "",
                verdict(
                    f"p50 ≤ {GOALS['all_p50']:g} s, p99 ≤ {GOALS['all_p99']:g} s",
                    all50 <= GOALS["all_p50"] and all99 <= GOALS["all_p99"],
                ),
            ),
            Figure(
                f"sync under 30 % faults: Postmart and Voso while Shopee is saturated ({BURST[1]:g}/s)",
                f"p99 {others99:.1f} s",
                "",
                "",
                verdict(f"p99 ≤ {GOALS['others_p99']:g} s", others99 <= GOALS["others_p99"]),
            ),
            Figure(
                "sync under 30 % faults: busiest second per marketplace",
                ", ".join(f"{c} {busiest[c]}" for c in SHOPS),
                ", ".join(f"{c} {LIMITS[c]:g}" for c in SHOPS),
                "",
                verdict("never above the limit", within),
            ),
        ],
        details=[
            (
                "faults:",
                f"{N} products on 3 marketplaces; {PACED[0]} changes at {PACED[1]:g}/s: {_each(paced)}; "
                f"then {BURST[0]} at {BURST[1]:g}/s: {_each(burst)}; injected {injected}; dead jobs {dead}",
            )
        ],
    )
