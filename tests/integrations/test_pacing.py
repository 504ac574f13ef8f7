"""The shared send schedule (``sync.ratelimit``) on the real database, with an injected clock."""

from __future__ import annotations

import itertools
import time

import pytest

from integrations.sync import ratelimit
from integrations.tables import RateBucket

RATE = 100.0
INTERVAL = 1.0 / (RATE * ratelimit.HEADROOM)


class StallingClock:
    """Epoch seconds that move only when a call sleeps; each sleep overshoots by the next stall
    (a process the operating system did not run in time)."""

    def __init__(self, stalls=()) -> None:
        self.now = 1_000_000.0
        self._stalls = iter(stalls)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + next(self._stalls, 0.0)


async def send(clock: StallingClock, calls: int) -> list[float]:
    """Start times of ``calls`` paced calls, one after another."""
    starts = []
    for _ in range(calls):
        await ratelimit.acquire("postmart", RATE, clock=clock, sleep=clock.sleep)
        starts.append(clock.now)
    return starts


async def next_slot() -> float:
    return (await RateBucket.select().where(RateBucket.marketplace == "postmart").first())["next_slot"]


async def test_calls_on_time_start_one_interval_apart():
    clock = StallingClock()
    starts = await send(clock, 5)
    assert [b - a for a, b in itertools.pairwise(starts)] == pytest.approx([INTERVAL] * 4)
    assert await next_slot() == pytest.approx(starts[-1] + INTERVAL)


async def test_a_call_woken_late_gives_its_slot_up_instead_of_bursting():
    # The second call's process stalls 200 ms past its slot: sent then, it would start among the
    # starts of the calls booked after it. It books again and starts on its new slot.
    clock = StallingClock(stalls=[0.2])
    first, second = await send(clock, 2)
    missed = first + INTERVAL
    assert second - missed == pytest.approx(0.2)
    assert await next_slot() == pytest.approx(second + INTERVAL)  # the missed slot stays unused
    assert ratelimit.LATE_S < 0.2


async def test_a_call_late_at_every_try_still_goes_after_its_retakes(monkeypatch):
    # The database answers each booking 200 ms late, so every slot is already missed when it
    # arrives: the call books RETAKES times, then goes rather than wait forever.
    clock = StallingClock()
    take_slot = ratelimit._take_slot

    async def answered_late(*args):
        slot = await take_slot(*args)
        clock.now += 0.2
        return slot

    monkeypatch.setattr(ratelimit, "_take_slot", answered_late)
    started = clock.now
    [went] = await send(clock, 1)
    assert went - started == pytest.approx(ratelimit.RETAKES * 0.2)
    last_booked = started + (ratelimit.RETAKES - 1) * 0.2
    assert await next_slot() == pytest.approx(last_booked + INTERVAL)


async def test_a_hold_stands_for_a_marketplace_without_a_schedule_and_is_never_shortened():
    # A marketplace registered without a rate limit paces no call, so it has no schedule row yet.
    assert not await RateBucket.exists().where(RateBucket.marketplace == "postmart")
    await ratelimit.hold("postmart", 30)
    held_until = await next_slot()
    assert held_until > time.time() + 29
    await ratelimit.hold("postmart", 1)  # a shorter Retry-After does not end the longer hold
    assert await next_slot() == pytest.approx(held_until)
    await ratelimit.hold("postmart", 60)
    assert await next_slot() > held_until + 29
