"""Each gateway's per-second limit: the channel simulators refuse what goes over it, as the real
gateways do (429, counted), and the delivery workers, paced through the shared rate_bucket
schedule, never go over it, yet lose and repeat nothing."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from agrimarket.messages.delivery import DeliveryWorker
from agrimarket.messages.settings import MessageSettings
from agrimarket.tables import Message, MessageDelivery
from integrations.channels import zalo
from integrations.channels.settings import ChannelSettings
from integrations.plugin import build_channels
from tests.messages.conftest import drain
from tests.messages.test_delivery import order
from tests.waiting import until

LIMIT = 20
# Our pace, a tenth under the gateway's limit: sends paced exactly at the limit can reach it bunched
# by network jitter (one late, the next on time) and count 21 in its one-second window.
PACE = LIMIT * 0.9


def _workers(msg_settings, rate: float, count: int = 2) -> list[DeliveryWorker]:
    """``count`` delivery workers, each with its own gateway (as separate processes would have)."""
    channels = dataclasses.replace(msg_settings.section(ChannelSettings), zalo_rate_per_s=rate)
    settings = msg_settings.with_section(channels)
    return [
        DeliveryWorker(settings.section(MessageSettings), build_channels(settings), settings.public_base_url)
        for _ in range(count)
    ]


async def _deliver_all(workers: list[DeliveryWorker]) -> None:
    """Run the workers until every message is settled (a throttled one waits its Retry-After)."""

    async def settled() -> bool:
        await asyncio.gather(*(drain(worker, concurrency=3) for worker in workers))
        return not await MessageDelivery.exists().where(MessageDelivery.status.is_in(["queued", "running"]))

    try:
        await until(settled, 60, every=0.05, what="every message to be settled")
    finally:
        for worker in workers:
            await worker.gateway.aclose()


async def _orders(accounts, count: int) -> set[str]:
    farmers = [await accounts.household() for _ in range(3)]
    for number in range(count):
        await order(farmers[number % 3].me["household_id"], 100 + number)
    return {str(m["id"]) for m in await Message.select(Message.id)}


def test_the_simulators_refuse_over_rate_sends_as_the_gateways_do(channel_sims):
    zalo_sim, sms_sim = channel_sims["zalo"], channel_sims["sms"]
    zalo_sim.state.config.rate_limit_per_s = sms_sim.state.config.rate_limit_per_s = 2
    with httpx.Client() as client:
        zns = [client.post(f"{zalo_sim.url}{zalo.SEND_PATH}", json={}) for _ in range(4)]
        sms = [
            client.post(f"{sms_sim.url}/MainService.svc/json/SendMultipleMessage_V4_post_json/", json={})
            for _ in range(4)
        ]
    assert [r.status_code for r in zns][2:] == [429, 429]
    assert zns[3].json()["error"] == zalo.RATE_LIMITED and zns[3].headers["retry-after"] == "1"
    assert [r.status_code for r in sms][2:] == [429, 429]
    assert zalo_sim.state.rate_limited == 2 and sms_sim.state.rate_limited == 2


async def test_paced_workers_stay_under_the_gateways_limit_and_send_each_message_once(
    client, accounts, msg_settings, channel_sims
):
    sim = channel_sims["zalo"].state
    sim.config.rate_limit_per_s = LIMIT
    ids = await _orders(accounts, 45)
    await _deliver_all(_workers(msg_settings, rate=PACE))
    assert sorted(m["tracking_id"] for m in sim.outbox) == sorted(ids)
    assert sim.rate_limited == 0, "a paced worker went over the limit"
    assert 0 < sim.max_per_window <= LIMIT
    assert await MessageDelivery.count().where(MessageDelivery.status == "sent") == len(ids)


@pytest.mark.parametrize("rate", [0.0])
async def test_unpaced_workers_are_refused_and_still_lose_and_repeat_nothing(
    client, accounts, msg_settings, channel_sims, rate
):
    sim = channel_sims["zalo"].state
    sim.config.rate_limit_per_s = 5
    ids = await _orders(accounts, 24)
    await _deliver_all(_workers(msg_settings, rate=rate))
    assert sim.rate_limited > 0, "nothing went over the limit: the test proves nothing"
    assert sorted(m["tracking_id"] for m in sim.outbox) == sorted(ids)
    sent = await MessageDelivery.select(MessageDelivery.sent_channel).where(MessageDelivery.status == "sent")
    assert len(sent) == len(ids)
