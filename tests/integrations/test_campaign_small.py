"""The fault campaign, small, with one worker (in a thread, like the in-process one); both engines."""

from __future__ import annotations

import asyncio

from tests.integrations.campaign import arm, check, create, sellers, update_all, wait_drained

N, ROUNDS, RATE = 40, 2, 60


async def test_fault_campaign_in_process(client, accounts, run_worker, sims):
    sim = sims["postmart"]
    made = await create(await sellers(client, accounts, "postmart"), N, "postmart")
    await arm(sim, RATE)
    threaded = run_worker(concurrency=6)
    try:
        for round_no in range(1, ROUNDS + 1):
            await asyncio.sleep(0.3)
            await update_all(made, round_no)
        await wait_drained(90)
    finally:
        threaded.stop()
    await check(sim, made, ROUNDS, RATE)
