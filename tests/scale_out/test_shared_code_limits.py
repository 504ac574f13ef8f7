"""Sign-in codes are limited across two real app processes on PostgreSQL (issue 21, point 4): at
most 3 codes per phone and 3 per client address in 15 minutes, counted in the shared store; the 4th
ask is refused alike for a phone with and without an account, and no 4th code reaches the
simulated Zalo OA, to which both processes' in-process workers send."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest

from agrimarket.tables import MessageDelivery, SignInCode
from integrations.simulators import zalo
from tests.conftest import ENGINE
from tests.factories import CAT_HAI, new_phone
from tests.integrations.conftest import LiveSim
from tests.scale_out.processes import app_processes
from tests.waiting import until

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="several processes need PostgreSQL")
LIMIT = 3
_addresses = (f"203.0.113.{n}" for n in itertools.count(1))  # TEST-NET-3, one per caller


# Per test: the OA's single-use refresh token rotates in the simulator and in our (truncated) tables.
@pytest.fixture
def zalo_sim() -> Iterator[LiveSim]:
    sim = LiveSim(zalo, zalo.ZaloConfig(seed=21), "/outbox.json")
    yield sim
    sim.close()


@pytest.fixture
def two_apps(database, zalo_sim) -> Iterator[list[str]]:
    env = {
        "SIGN_IN_CODES_PER_15_MIN": str(LIMIT),
        # X-Forwarded-For from the test names the client: each test its own addresses.
        "TRUSTED_PROXIES": "127.0.0.1",
        "MESSAGE_WORKER": "inprocess",
        "MESSAGE_POLL_SECONDS": "0.05",
        "MESSAGE_CHANNELS": "zalo",
        "MESSAGE_ZALO_OAUTH_URL": zalo_sim.url,
        "MESSAGE_ZALO_ZNS_URL": zalo_sim.url,
    }
    with app_processes(2, env) as urls:
        yield urls


def _from(address: str) -> dict[str, str]:
    return {"x-forwarded-for": address}


async def _household(client: httpx.AsyncClient, url: str) -> str:
    phone = new_phone()
    account = {"phone": phone, "password": "mat-khau-123", "full_name": "Hà Thị Lan", "commune_code": CAT_HAI}
    made = await client.post(f"{url}/api/v1/auth/register", json=account, headers=_from(next(_addresses)))
    assert made.status_code == 201, made.text
    return phone


async def _ask(client: httpx.AsyncClient, url: str, phone: str, address: str) -> tuple[int, str]:
    answer = await client.post(f"{url}/api/v1/auth/code", json={"phone": phone}, headers=_from(address))
    return answer.status_code, answer.json().get("message") or answer.json()["error"]["message"]


def _codes_to(sim: LiveSim, phones: list[str]) -> list[str]:
    wanted = {"84" + phone[1:] for phone in phones}
    return [m["phone"] for m in sim.state.outbox if m["phone"] in wanted]


async def _all_sent(count: int) -> None:
    async def done() -> bool:
        rows = await MessageDelivery.select(MessageDelivery.status)
        return len(rows) == count and all(row["status"] == "sent" for row in rows)

    await until(done, timeout=30, what=f"{count} messages sent by the two processes' workers")


async def test_three_codes_per_phone_across_two_processes_with_or_without_an_account(two_apps, zalo_sim):
    async with httpx.AsyncClient(timeout=10) as client:
        registered, unknown = await _household(client, two_apps[0]), new_phone()
        answers = {
            phone: [
                await _ask(client, url, phone, next(_addresses))  # a new address each: the phone's limit
                for url in itertools.islice(itertools.cycle(two_apps), LIMIT + 1)
            ]
            for phone in (registered, unknown)
        }
    assert [status for status, _ in answers[registered]] == [202] * LIMIT + [429]
    assert answers[registered] == answers[unknown], "the answers tell which phone has an account"
    assert "quá nhiều mã" in answers[registered][-1][1]
    await _all_sent(LIMIT)
    assert await SignInCode.count() == LIMIT
    assert len(_codes_to(zalo_sim, [registered])) == LIMIT
    assert _codes_to(zalo_sim, [unknown]) == []


async def test_three_codes_per_client_address_across_two_processes(two_apps, zalo_sim):
    address = next(_addresses)
    async with httpx.AsyncClient(timeout=10) as client:
        phones = [await _household(client, two_apps[1]) for _ in range(LIMIT + 1)]
        statuses = [
            (await _ask(client, url, phone, address))[0]
            for url, phone in zip(itertools.cycle(two_apps), phones, strict=False)
        ]
        other = await _ask(client, two_apps[0], phones[-1], next(_addresses))
    assert statuses == [202] * LIMIT + [429]
    await _all_sent(LIMIT + 1)  # the three, and the last phone's own from another address
    assert sorted(_codes_to(zalo_sim, phones[:LIMIT])) == sorted("84" + p[1:] for p in phones[:LIMIT])
    assert other[0] == 202 and len(_codes_to(zalo_sim, [phones[-1]])) == 1
