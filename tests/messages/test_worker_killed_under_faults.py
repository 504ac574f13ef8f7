"""The delivery promise under both failures at once, over real HTTP: the Zalo and eSMS simulators
fail 30 % of sends (503, answers cut after storing, hangs past the timeout) while a running delivery
worker is killed (its task cancelled) in the middle of sends. Another worker, once the dead one's
leases run out, finishes the job: every message reaches exactly one phone once, none is lost.

(``test_delivery`` has each failure alone; this is the two together, as the issue asks.)"""

from __future__ import annotations

import asyncio
from collections import Counter

from agrimarket.messages.delivery import DeliveryWorker
from agrimarket.messages.settings import MessageSettings
from agrimarket.tables import Message, MessageDelivery
from integrations.plugin import build_channels
from tests.messages.conftest import drain
from tests.messages.test_delivery import order
from tests.waiting import until


def _worker(settings) -> DeliveryWorker:
    return DeliveryWorker(
        settings.section(MessageSettings), build_channels(settings), settings.public_base_url
    )


async def test_a_worker_killed_mid_send_under_30_percent_faults_loses_and_repeats_nothing(
    client, accounts, msg_settings, channel_sims
):
    for sim in (channel_sims["zalo"], channel_sims["sms"]):
        faults = sim.state.config.faults
        faults.error_rate, faults.drop_rate, faults.timeout_rate, faults.hang_s = 0.1, 0.1, 0.1, 0.6
    farmers = [await accounts.household() for _ in range(4)]
    for number in range(40):
        await order(farmers[number % 4].me["household_id"], 500 + number)
    ids = {str(m["id"]) for m in await Message.select(Message.id)}
    zalo = channel_sims["zalo"].state

    doomed = _worker(msg_settings)
    task = asyncio.create_task(doomed.run(concurrency=4))

    async def mid_send() -> bool:
        running = await MessageDelivery.count().where(MessageDelivery.status == "running")
        return zalo.sends >= 8 and running > 0

    await until(mid_send, 30, every=0.005, what="the first worker to be sending")
    task.cancel()  # killed: no settle, no clean-up; its claims stay "running" until their lease ends
    await asyncio.gather(task, return_exceptions=True)
    await doomed.gateway.aclose()
    assert await MessageDelivery.exists().where(MessageDelivery.status == "running"), "nothing was mid-send"
    assert await MessageDelivery.exists().where(MessageDelivery.status == "queued"), "nothing was left to do"

    survivor = _worker(msg_settings)
    try:

        async def all_settled() -> bool:
            await drain(survivor, concurrency=4)
            return not await MessageDelivery.exists().where(
                MessageDelivery.status.is_in(["queued", "running"])
            )

        await until(all_settled, 90, every=0.1, what="the second worker to finish the outbox")
    finally:
        await survivor.gateway.aclose()

    reached = Counter(m["tracking_id"] for m in zalo.outbox)
    reached.update(m["RequestId"] for m in channel_sims["sms"].state.outbox)
    assert set(reached) == ids, "a message was lost"
    assert max(reached.values()) == 1, "a message reached a phone twice"
    assert await MessageDelivery.count().where(MessageDelivery.status == "sent") == len(ids)
    assert sum(zalo.injected.values()) > 0, "no fault was played"
