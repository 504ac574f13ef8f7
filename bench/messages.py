"""Messages (issue 21), PostgreSQL: ``python -m bench messages [--quick]``.

A Zalo ZNS simulator (uvicorn, its own thread) refuses sends over its per-second limit, as ZNS
does; two delivery processes (``python -m agrimarket.messages.run``, production defaults but the
poll and 24 sends in flight each: ``BENCH_MESSAGE_WORKERS``, ``BENCH_MESSAGE_CONCURRENCY``) send
through it, paced by the shared rate_bucket schedule.

- **event -> message at the simulator**: ``OrderReceived`` published at 100 events/s for 30 s
  (``--quick``: 10 s), each in its own write transaction as the order desk does; latency from
  the publish to the simulator's record of the send. Ceiling: the Zalo channel sending straight to
  the same simulator at the same rate (no event, outbox, database or worker).
- **busiest second**: the most sends the simulator took in one sliding second, beside its limit
  (``BENCH_ZNS_RATE``, default 150/s: ZNS's limit is set per OA by contract, and at our default
  pacing of 100/s the 93/s we aim at could not keep up with 100 events/s).
- **sign-in code requested -> code at the simulator**: 100 phones each ask once
  (``accounts.codes.request_code``, the service the API route calls), 5 a second. Ceiling: the
  channel's own round trip, as above.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import subprocess
import sys
import time

from bench.db import ROOT, prepare
from bench.pacing import paced
from bench.report import Figure, Result, verdict
from bench.serve import stop_all
from integrations.simulators.serving import local_socket, start_in_thread, url_of

EVENT_RATE = 100.0
SECONDS = 30.0  # was 60, then 40: the whole default run stays under 10 minutes
QUICK_SECONDS = 10.0
ZNS_RATE = float(os.environ.get("BENCH_ZNS_RATE", "150"))
EVENT_GOAL_S = 5.0
CODE_GOAL_S = 2.0
HOUSEHOLDS = 50
CODE_PHONES = 100
CODE_RATE = 5.0
WORKERS = int(os.environ.get("BENCH_MESSAGE_WORKERS", "2"))
CONCURRENCY = os.environ.get("BENCH_MESSAGE_CONCURRENCY", "24")  # sends in flight per process
WARM_UP = 4  # messages sent before the measured run


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values or [0.0])[0]


def _sim():
    from integrations.simulators import zalo

    sock = local_socket()
    url = url_of(sock)
    app = zalo.create_app(zalo.ZaloConfig(public_url=url, rate_limit_per_s=ZNS_RATE))
    server, _ = start_in_thread(app, sock)
    time.sleep(0.5)
    return url, app.state.sim, server


def _workers(url: str) -> list[subprocess.Popen]:
    env = os.environ | {
        "MESSAGE_CHANNELS": "zalo",
        "MESSAGE_ZALO_OAUTH_URL": url,
        "MESSAGE_ZALO_ZNS_URL": url,
        "MESSAGE_ZALO_RATE_PER_S": f"{ZNS_RATE:g}",
        "MESSAGE_POLL_SECONDS": "0.02",
        "MESSAGE_WORKER_CONCURRENCY": CONCURRENCY,
        "MESSAGE_DAILY_CAP": "1000000",
        "DB_POOL_SIZE": "10",
    }
    command = [sys.executable, "-m", "agrimarket.messages.run"]
    return [subprocess.Popen(command, env=env, cwd=ROOT) for _ in range(WORKERS)]  # noqa: S603


async def _ceiling(url: str, count: int) -> list[float]:
    """The channel alone: sends straight to the simulator at the events' rate (the OA's tokens
    shared through the database, as the delivery processes share them)."""
    from agrimarket.messages.channel import Outgoing, TryLater
    from agrimarket.settings import get_settings
    from integrations.channel_tokens import DatabaseTokens
    from integrations.channels import zalo
    from integrations.channels.settings import DEV_ZALO_APP_ID, DEV_ZALO_REFRESH, DEV_ZALO_SECRET
    from integrations.settings import IntegrationsSettings

    tokens = DatabaseTokens(get_settings().section(IntegrationsSettings).credentials_key)
    templates = {"order_received": "sim-order_received"}
    channel = zalo.ZaloChannel(
        url, url, DEV_ZALO_APP_ID, DEV_ZALO_SECRET, DEV_ZALO_REFRESH, templates, 10, tokens
    )
    took: list[float] = []

    async def one(i: int) -> None:
        message = Outgoing(
            message_id=10_000_000 + i,
            kind="order_received",
            phone="0912000000",
            text="bench",
            params={"order_ref": str(i)},
        )
        t0 = time.perf_counter()
        try:
            await channel.send(message)
        except TryLater:  # the machine stalled past the client's timeout: a send not measured
            return
        took.append(time.perf_counter() - t0)

    try:
        await paced(count, EVENT_RATE, one)
    finally:
        await channel.aclose()
    return took


async def _households() -> list[tuple[int, str]]:
    """Households with an account each (inserted: a password hash per account would take minutes)."""
    from datetime import UTC, datetime

    from agrimarket.tables import Commune, Household, User

    now = datetime.now(UTC)
    commune = (await Commune.select(Commune.code).first())["code"]
    made = []
    for i in range(max(HOUSEHOLDS, CODE_PHONES)):
        phone = f"0915{i:06d}"
        household = Household(head_name=f"Hộ {i}", phone=phone, commune=commune, created_at=now)
        await household.save()
        await User(
            phone=phone,
            password_hash="-",  # noqa: S106 - signs in by code only
            full_name=f"Hộ {i}",
            role="household",
            household=household.id,
            created_at=now,
        ).save()
        made.append((household.id, phone))
    return made


async def _until_sent(expected: int, timeout: float) -> None:
    from agrimarket.tables import MessageDelivery

    deadline = time.monotonic() + timeout
    while await MessageDelivery.count().where(MessageDelivery.status == "sent") < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {expected} messages sent after {timeout:g} s")
        await asyncio.sleep(0.2)


async def _publish(order_id: int, household_id: int) -> None:
    from agrimarket.db import write_transaction
    from agrimarket.events import OrderReceived, publish

    async with write_transaction():
        await publish(
            OrderReceived(
                order_id=order_id,
                marketplace="voso",
                order_ref=f"VB{order_id:06d}",
                household_id=household_id,
                cooperative_id=None,
                status="placed",
                amount_vnd=120_000,
            )
        )


async def _warm_up(households: list[tuple[int, str]], sim) -> None:
    """One message through each delivery process's start (imports, pool, the OA's token), so the
    figures measure sending, not starting."""
    for household_id, _phone in households[:WARM_UP]:
        await _publish(0, household_id)
    await _until_sent(WARM_UP, 120)
    sim.outbox.clear()
    sim.max_per_window, sim.rate_limited = 0, 0


async def _events(households: list[tuple[int, str]], seconds: float, sim) -> list[float]:
    from agrimarket.tables import Message

    published: dict[int, float] = {}

    async def one(i: int) -> None:
        published[i] = time.time()
        await _publish(i + 1, households[i % HOUSEHOLDS][0])

    count = int(EVENT_RATE * seconds)
    await paced(count, EVENT_RATE, one)
    await _until_sent(WARM_UP + count, 120 + seconds)
    order_of = {
        str(m["id"]): int(m["cause"].split(":")[1]) for m in await Message.select(Message.id, Message.cause)
    }
    return [
        int(s["sent_time"]) / 1000 - published[order_of[s["tracking_id"]] - 1]
        for s in sim.outbox
        if s["template_id"] == "sim-order_received"
    ]


async def _codes(households: list[tuple[int, str]], sim, already: int) -> list[float]:
    from litestar.stores.memory import MemoryStore

    from agrimarket.accounts.codes import request_code
    from agrimarket.settings import get_settings

    store, settings = MemoryStore(), get_settings()
    asked: dict[str, float] = {}

    async def one(i: int) -> None:
        phone = households[i][1]
        asked["84" + phone[1:]] = time.time()
        await request_code(store, f"10.9.{i // 250}.{i % 250}", phone, settings)

    await paced(CODE_PHONES, CODE_RATE, one)
    await _until_sent(WARM_UP + already + CODE_PHONES, 60)
    return [
        int(s["sent_time"]) / 1000 - asked[s["phone"]]
        for s in sim.outbox
        if s["template_id"] == "sim-sign_in_code"
    ]


async def _main(seconds: float) -> Result:
    from agrimarket.app import connect_apps
    from agrimarket.tables import Product

    connect_apps()  # the messages subscribers, as in the app's process
    engine = Product._meta.db
    await engine.start_connection_pool(min_size=1, max_size=20)
    url, sim, server = _sim()
    procs: list[subprocess.Popen] = []
    try:
        households = await _households()
        ceiling = await _ceiling(url, int(EVENT_RATE * min(seconds, 10)))
        sim.outbox.clear()
        sim.max_per_window, sim.rate_limited = 0, 0
        procs = _workers(url)
        await _warm_up(households, sim)
        events = await _events(households, seconds, sim)
        busiest, refused = sim.max_per_window, sim.rate_limited
        codes = await _codes(households, sim, len(events))
    finally:
        stop_all(procs, timeout=15)
        server.should_exit = True
        await engine.close_connection_pool()
    ev99, code99, ceil99 = _p(events, 99), _p(codes, 99), _p(ceiling, 99)
    return Result(
        setup=f"{EVENT_RATE:g} events/s for {seconds:g} s (was 60 s, then 40 s); ZNS simulator limit {ZNS_RATE:g}/s; "
        f"{WORKERS} delivery processes; {CODE_PHONES} sign-in codes at {CODE_RATE:g}/s",
        figures=[
            Figure(
                f"event -> message at the Zalo simulator, {EVENT_RATE:g}/s for {seconds:g} s",
                f"p99 {ev99:.2f} s",
                f"p99 {ceil99 * 1000:.0f} ms (the channel alone)",
                f"{ev99 / ceil99:.0f}×" if ceil99 else "",
                verdict(f"p99 ≤ {EVENT_GOAL_S:g} s", ev99 <= EVENT_GOAL_S),
            ),
            Figure(
                "busiest second of sends at the ZNS simulator",
                f"{busiest} sends (refused for rate: {refused})",
                f"{ZNS_RATE:g}/s (the gateway's limit)",
                f"{busiest / ZNS_RATE:.0%}",
                verdict("under the limit, none refused", busiest <= ZNS_RATE and refused == 0),
            ),
            Figure(
                "sign-in code requested -> code at the Zalo simulator",
                f"p99 {code99:.2f} s",
                f"p99 {ceil99 * 1000:.0f} ms (the channel alone)",
                f"{code99 / ceil99:.0f}×" if ceil99 else "",
                verdict(f"p99 ≤ {CODE_GOAL_S:g} s", code99 <= CODE_GOAL_S),
            ),
        ],
        details=[
            (
                "messages:",
                f"{len(events)} order messages, p50 {_p(events, 50):.2f} s, max {max(events):.2f} s; "
                f"{len(codes)} codes, p50 {_p(codes, 50):.2f} s; channel alone p50 "
                f"{_p(ceiling, 50) * 1000:.0f} ms over {len(ceiling)} sends",
            )
        ],
    )


def seconds_from(args: list[str]) -> float:
    return QUICK_SECONDS if "--quick" in args else SECONDS


def run(seconds: float = SECONDS) -> Result:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per send otherwise
    prepare(name="agm_bench_messages")
    return asyncio.run(_main(seconds))


if __name__ == "__main__":
    from bench.report import text_table

    result = run(seconds_from(sys.argv[1:]))
    print(text_table(result.figures))
    for key, value in result.details:
        print(key, value)
