"""The fault campaign shared by the SQLite and PostgreSQL runs: create, publish, update, check."""

from __future__ import annotations

import itertools
from collections import Counter

from integrations.simulators.base import held_writes
from integrations.simulators.state import Faults
from integrations.tables import Listing, ListingHistory, SyncJob
from tests.integrations.helpers import connect
from tests.waiting import until

# 30 % of writes fail: errors, injected 429s, hangs past the client timeout, commit-then-drop.
CAMPAIGN_FAULTS = dict(error_rate=0.09, throttle_rate=0.07, timeout_rate=0.06, drop_rate=0.08)


async def arm(sim, rate_limit: float, hang_s: float = 0.9) -> None:
    """Faults on, and the same rate limit on both sides (the partner's, and the one we register)."""
    from integrations.tables import Marketplace

    await Marketplace.update({Marketplace.rate_limit_per_s: rate_limit}).where(
        Marketplace.code == sim.state.code
    )
    sim.state.config.rate_limit_per_s = rate_limit
    sim.state.config.faults = Faults(**CAMPAIGN_FAULTS, latency_s=0.01, hang_s=hang_s, retry_after_s=0.2)


async def sellers(client, accounts, code: str, count: int = 4) -> list:
    """Households with a connected account on ``code`` (through the API); returns their actors."""
    from agrimarket.accounts.service import actor_for_token

    actors = []
    for s in range(count):
        farmer = await accounts.household()
        await connect(client, farmer, code, f"shop-{s}")
        actors.append(await actor_for_token(farmer.token, "api"))
    return actors


async def create(actors: list, n: int, code: str) -> list[tuple]:
    """n products with a photo spread over the sellers, each published on ``code``.

    Products, listings and updates go through the services directly (the code the API calls),
    which keeps a 500-listing campaign fast.
    """
    from agrimarket.products.service import create_product
    from agrimarket.tables import ProductPhoto
    from integrations.listings import service as listings

    made = []
    for i in range(n):
        actor = actors[i % len(actors)]
        values = {
            "name": f"Sản phẩm {i}",
            "category": "rau_cu",
            "unit": "bo",
            "price_vnd": 10_000 + i,
            "stock": 20,
        }
        made.append((actor, await create_product(actor, values)))
    await ProductPhoto.insert(
        *[
            ProductPhoto(product=pid, image_key=f"p/{pid}.webp", thumb_key="t", width=1, height=1)
            for _, pid in made
        ]
    )
    for actor, pid in made:
        await listings.publish(actor, pid, code)
    return made


async def update_all(made: list[tuple], round_no: int) -> None:
    from agrimarket.products.service import update_product

    for actor, pid in made:
        await update_product(actor, pid, {"price_vnd": 20_000 + pid * 10 + round_no, "stock": 100 + round_no})


async def withdraw(made: list[tuple]) -> None:
    """The farmers archive these products: their listings must come down everywhere."""
    from agrimarket.products.service import update_product

    for actor, pid in made:
        await update_product(actor, pid, {"status": "archived"})


async def relist(made: list[tuple], code: str) -> None:
    """Back on sale and published again (the card's "Đăng lại")."""
    from agrimarket.products.service import update_product
    from integrations.listings import service as listings

    for actor, pid in made:
        await update_product(actor, pid, {"status": "active"})
        await listings.publish(actor, pid, code)


async def wait_drained(timeout: float) -> None:
    """Our queue is empty, and the marketplace holds no hung write that lands later: a create hung
    past the client's timeout is stored when its hang ends, maybe after its product was withdrawn,
    and the reconciliation pass that follows must see it (a real marketplace's late write is found
    by the next pass; the test runs one)."""

    async def drained() -> bool:
        return not await SyncJob.exists().where(SyncJob.status.is_in(["queued", "running", "dead"]))

    try:
        await until(drained, timeout, every=0.2)
    except AssertionError:
        counts = Counter(r["status"] for r in await SyncJob.select(SyncJob.status))
        raise AssertionError(f"queue not drained: {counts}") from None
    await until(lambda: held_writes() == 0, 10, what="the marketplace's hung writes to land")


async def under_way(sim, since: int | None = None, timeout: float = 60.0) -> None:
    """Wait until the marketplace applies a write beyond ``since`` (default: what it had applied when
    called): the next changes then land while the worker is busy, not before it started.

    Pass ``since`` (``writes_applied`` read before the last changes) when the worker may already have
    sent those changes: waiting for a write after them would wait for work that is not there.
    """
    applied = sim.state.writes_applied if since is None else since
    await until(lambda: sim.state.writes_applied > applied, timeout, what="the worker's next write")


async def check(
    sim, made: list[tuple], rounds: int, rate_limit: float, withdrawn: frozenset = frozenset()
) -> None:
    """Item by item, the marketplace and our side agree: each listing live exactly once with the
    newest price and stock, each withdrawn one down (or never created); history complete."""
    state = sim.state
    skus = Counter(item.sku for item in state.items.values())
    assert not skus or max(skus.values()) == 1, "duplicated item on the marketplace"
    items = {item.sku: item for item in state.items.values()}
    listings = {r["product"]: r for r in await Listing.select()}
    assert len(listings) == len(made)
    for _, pid in made:
        listing = listings[pid]
        item = items.get(f"agm-{listing['id']}")
        ours = (listing["state"], listing["wanted"], listing["needs_check"])
        assert listing["synced_version"] == listing["version"], listing
        if pid in withdrawn:
            assert ours == ("delisted", "delisted", False), (pid, ours)
            assert item is None or item.status == "delisted", f"withdrawn product {pid} still on sale"
            assert item is None or listing["external_id"] == item.id
            continue
        assert item is not None and item.status == "live", f"lost listing {pid}"
        assert item.fields["price"] == 20_000 + pid * 10 + rounds, (item.sku, item.fields)
        assert item.fields["stock"] == 100 + rounds
        assert ours == ("live", "live", False) and listing["external_id"] == item.id, (pid, ours)
    assert len(state.live_items()) == len(made) - len(withdrawn)
    history: dict[int, list] = {}
    for row in await ListingHistory.select().order_by(ListingHistory.id):
        history.setdefault(row["listing"], []).append((row["from_state"], row["to_state"]))
    assert len(history) == len(made)
    for chain in history.values():
        assert chain[0] == (None, "pending") and chain[-1][1] in ("live", "delisted")
        assert all(prev[1] == cur[0] for prev, cur in itertools.pairwise(chain)), chain
    assert state.rate_limited == 0, f"the marketplace refused {state.rate_limited} calls for rate limit"
    assert state.max_per_window <= rate_limit
    assert sum(state.injected.values()) > 0 and state.injected["drop"] > 0
