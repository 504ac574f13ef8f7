"""Forged X-Forwarded-For against the real servers (uvicorn and granian, as `make run` and
`make run-scaled` start them): the header moves nothing unless the peer is a trusted proxy, and then
the right-most address of the chain that is not a trusted proxy is the client.

The servers run against the test database on either engine (one process each); scans are written
when the server stops (its shutdown flushes the scan buffer), so the counters are read after that.
"""

from __future__ import annotations

import httpx
import pytest

from agrimarket.tables import AuditEntry
from tests.factories import new_phone
from tests.scale_out.processes import app_servers
from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.tables import Scan, Stamp

SERVERS = ["uvicorn", "granian"]
LIMIT = 10
# Per day, so a window boundary cannot fall inside the test.
ENV = {"LOGIN_RATE_LIMIT": f"{LIMIT}/day", "TRUSTED_PROXIES": ""}


async def _stamp_and_session(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    assert (await issue(client, session, batch_id, 1)).status_code == 201
    stamp = await Stamp.select(Stamp.id, Stamp.serial).where(Stamp.batch == batch_id).first()
    return session, stamp


def _forged(address: str) -> dict[str, str]:
    # Both headers a client may forge; RFC 7239 Forwarded is never read, trusted proxy or not.
    return {"x-forwarded-for": address, "forwarded": f"for={address.split(',')[0].strip()}"}


def _failed_logins(url: str, forwarded_for: list[str]) -> list[int]:
    return [
        httpx.post(
            f"{url}/api/v1/auth/login",
            json={"phone": new_phone(), "password": "x" * 8},
            headers=_forged(address),
        ).status_code
        for address in forwarded_for
    ]


def _product_from(url: str, session, forwarded_for: str) -> int:
    response = httpx.post(
        f"{url}/api/v1/products/",
        json={"name": "Rau muống", "category": "rau_cu", "unit": "bo", "price_vnd": 15000, "stock": 20},
        headers=session.headers | _forged(forwarded_for),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _audited_address(product_id: int) -> str:
    entry = await (
        AuditEntry.select(AuditEntry.client_address)
        .where((AuditEntry.entity == "product") & (AuditEntry.entity_id == product_id))
        .first()
    )
    return entry["client_address"]


@pytest.mark.parametrize("server", SERVERS)
async def test_forged_forwarded_for_is_ignored_without_trusted_proxies(server, client, accounts):
    session, stamp = await _stamp_and_session(client, accounts)
    with app_servers(1, ENV, server) as [(url, _)]:
        # 12 logins, each claiming another address: one counter, the peer's, so the 11th is limited.
        statuses = _failed_logins(url, [f"198.51.100.{n}" for n in range(12)])
        assert statuses == [401] * LIMIT + [429, 429]
        # 22 scans with rotating headers, each naming another network: one client, one network.
        for n in range(22):
            trace = httpx.get(f"{url}/api/v1/trace/{stamp['serial']}", headers=_forged(f"198.18.{n}.7"))
            assert trace.status_code == 200 and trace.json()["genuine_warning"] is False
        product_id = _product_from(url, session, "192.0.2.77")
    counted = (
        await Stamp.select(Stamp.scan_count, Stamp.client_count, Stamp.network_count)
        .where(Stamp.id == stamp["id"])
        .first()
    )
    assert counted == {"scan_count": 22, "client_count": 1, "network_count": 1}
    assert await Scan.count().where(Scan.stamp == stamp["id"]) == 22
    # The audit log names the real peer, not the forged address.
    assert await _audited_address(product_id) == "127.0.0.1"


@pytest.mark.parametrize("server", SERVERS)
async def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(
    server, client, accounts
):
    session, stamp = await _stamp_and_session(client, accounts)
    env = ENV | {"TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}
    # What our proxy (10.0.0.7, itself behind the front one at 127.0.0.1) passes on: whatever the
    # client wrote first, then the address the proxy saw. The forged left part is not believed.
    chain = "198.51.100.1, {client}, 10.0.0.7"
    with app_servers(1, env, server) as [(url, _)]:
        product_id = _product_from(url, session, chain.format(client="203.0.113.50"))
        limited = _failed_logins(url, [chain.format(client="203.0.113.50")] * (LIMIT + 1))
        assert limited == [401] * LIMIT + [429]
        # Another client behind the same proxies has a counter of its own.
        assert _failed_logins(url, [chain.format(client="203.0.113.51")]) == [401]
        for address in ("203.0.113.50", "203.0.113.50", "2001:db8:1::5"):
            trace = httpx.get(
                f"{url}/api/v1/trace/{stamp['serial']}",
                headers={"x-forwarded-for": chain.format(client=address)},
            )
            assert trace.status_code == 200
    assert await _audited_address(product_id) == "203.0.113.50"
    counted = (
        await Stamp.select(Stamp.scan_count, Stamp.client_count, Stamp.network_count)
        .where(Stamp.id == stamp["id"])
        .first()
    )
    assert counted == {"scan_count": 3, "client_count": 2, "network_count": 2}
