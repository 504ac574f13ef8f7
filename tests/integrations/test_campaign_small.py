"""The fault campaign, small, with one worker (in a thread, like the in-process one); both engines.

Prices and stock change in two rounds; a quarter of the products is withdrawn after the first, and
half of those listed again in the second; then one reconciliation pass (a create answered after its
product was withdrawn is taken down there), and every item is compared with our side.
"""

from __future__ import annotations

from tests.integrations.campaign import (
    arm,
    check,
    create,
    relist,
    sellers,
    under_way,
    update_all,
    wait_drained,
    withdraw,
)

N, ROUNDS, RATE = 40, 2, 60


async def test_fault_campaign_in_process(client, accounts, worker, run_worker, sims):
    sim = sims["postmart"]
    made = await create(await sellers(client, accounts, "postmart"), N, "postmart")
    withdrawn, relisted = made[::4], made[::8]
    await arm(sim, RATE)
    threaded = run_worker(concurrency=6)
    try:
        await under_way(sim)
        before_changes = sim.state.writes_applied
        await update_all(made, 1)
        await withdraw(withdrawn)
        # The fast worker may have sent every change already: a write since they began is enough.
        await under_way(sim, since=before_changes)
        await relist(relisted, "postmart")
        await update_all(made, 2)
        await wait_drained(90)
    finally:
        threaded.stop()
    await worker.reconcile_once()
    threaded = run_worker(concurrency=6)
    try:
        await wait_drained(60)
    finally:
        threaded.stop()
    down = frozenset(pid for _, pid in withdrawn) - {pid for _, pid in relisted}
    await check(sim, made, ROUNDS, RATE, down)
