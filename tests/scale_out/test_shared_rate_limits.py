"""Rate limits hold across several app processes on PostgreSQL (counters in the shared store)."""

from __future__ import annotations

import itertools

import httpx
import pytest

from tests.conftest import ENGINE
from tests.factories import new_phone
from tests.scale_out.processes import app_processes

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="several processes need PostgreSQL")
LIMIT = 4


@pytest.fixture(scope="module")
def two_apps(database):
    # Per day, so a window boundary cannot fall inside the test.
    env = {"LOGIN_RATE_LIMIT": f"{LIMIT}/day", "SCAN_RATE_LIMIT": f"{LIMIT}/day"}
    with app_processes(2, env) as urls:
        yield urls


def test_login_attempts_spread_over_two_processes_share_one_limit(two_apps):
    statuses = [
        httpx.post(f"{url}/api/v1/auth/login", json={"phone": new_phone(), "password": "x" * 8}).status_code
        for url in itertools.islice(itertools.cycle(two_apps), LIMIT + 2)
    ]
    assert statuses == [401] * LIMIT + [429, 429]


def test_scans_spread_over_two_processes_share_one_limit(two_apps):
    statuses = [
        httpx.get(f"{url}/api/v1/trace/ABCDEFGHJKMNPQRS").status_code
        for url in itertools.islice(itertools.cycle(two_apps), LIMIT + 2)
    ]
    assert statuses == [404] * LIMIT + [429, 429]
