"""Channel simulators on real localhost ports (Zalo ZNS, eSMS, Web Push)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integrations.conftest import LiveSim, close_together, up_together

OUTBOX = "/outbox.json"  # what a channel simulator answers once up


# One set of channel simulators and one app per test module, the simulators reset for each test
# (as tests/integrations/conftest.py does for the marketplaces).
@pytest.fixture(scope="module")
def module_channel_sims() -> Iterator[dict[str, LiveSim]]:
    from integrations.simulators import sms, webpush, zalo
    from integrations.simulators.state import SimConfig

    started = up_together(
        {
            "zalo": LiveSim(zalo, zalo.ZaloConfig(seed=11), OUTBOX, wait=False),
            "sms": LiveSim(sms, sms.SmsConfig(seed=12), OUTBOX, wait=False),
            "webpush": LiveSim(webpush, SimConfig(seed=13), OUTBOX, wait=False),
        }
    )
    yield started
    close_together(started.values())


@pytest.fixture
def channel_sims(module_channel_sims) -> dict[str, LiveSim]:
    for sim in module_channel_sims.values():
        sim.reset()
    return module_channel_sims


@pytest.fixture(scope="module")
def module_msg_settings(settings, module_channel_sims):
    """The app's settings with every channel pointed at its live simulator, tuned for tests."""
    import dataclasses

    from agrimarket.messages.settings import MessageSettings
    from integrations.channels.settings import ChannelSettings

    zalo, sms = module_channel_sims["zalo"], module_channel_sims["sms"]
    channels = dataclasses.replace(
        settings.section(ChannelSettings),
        enabled_raw="zalo,sms,webpush",
        zalo_oauth_url=zalo.url,
        zalo_zns_url=zalo.url,
        sms_url=sms.url,
        http_timeout_seconds=0.5,
    )
    messages = dataclasses.replace(
        settings.section(MessageSettings),
        worker="off",
        lease_seconds=5.0,
        backoff_base_seconds=0.01,
        backoff_cap_seconds=0.05,
        max_attempts=20,
        daily_cap=100,
    )
    return settings.with_section(channels).with_section(messages)


@pytest.fixture
def msg_settings(module_msg_settings, channel_sims):
    """The settings pointing at the channel simulators, which this fixture resets for the test."""
    return module_msg_settings


@pytest.fixture(scope="module")
def module_app(module_msg_settings):
    from agrimarket.app import create_app

    return create_app(module_msg_settings)


@pytest.fixture
async def client(module_app, msg_settings):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=module_app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
async def delivery(msg_settings):
    """A delivery worker sending through the simulators (the tests call run_one or drain)."""
    from agrimarket.messages.delivery import DeliveryWorker
    from agrimarket.messages.settings import MessageSettings
    from integrations.plugin import build_channels

    gateway = build_channels(msg_settings)
    worker = DeliveryWorker(msg_settings.section(MessageSettings), gateway, msg_settings.public_base_url)
    yield worker
    await gateway.aclose()


async def drain(worker, concurrency: int = 1, timeout: float = 60.0) -> None:
    """Run the worker until no delivery is due now (held ones, for the morning, stay queued)."""
    import asyncio

    from agrimarket import clock
    from agrimarket.tables import MessageDelivery
    from tests.waiting import until

    async def step() -> bool:
        await asyncio.gather(*(_run_until_idle(worker) for _ in range(concurrency)))
        due = await MessageDelivery.exists().where(
            (MessageDelivery.status.is_in(["queued", "running"]))
            & (MessageDelivery.next_attempt_at <= clock.now().timestamp() + 0.2)
        )
        return not due

    await until(step, timeout, every=0.02, what="the message outbox to drain")


async def _run_until_idle(worker) -> None:
    while await worker.run_one():
        pass
