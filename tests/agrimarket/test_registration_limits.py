"""A bot registers account after account from one address: after the limit, 429 with Retry-After
and a Vietnamese message, on the API and the web form alike; other addresses are not held up."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from litestar.testing import AsyncTestClient

from agrimarket.app import create_app
from agrimarket.settings import Settings, SettingsError
from tests.agrimarket.test_web_pages import csrf
from tests.factories import CAT_HAI, PASSWORD, new_phone


def _account(phone: str | None = None) -> dict:
    return {
        "phone": phone or new_phone(),
        "password": PASSWORD,
        "full_name": "Nguyễn Văn Bốt",
        "commune_code": CAT_HAI,
        "role": "household",
    }


def _limited(settings, **limits):
    return AsyncTestClient(
        app=create_app(dataclasses.replace(settings, **limits)), base_url="http://testserver.local"
    )


async def test_a_burst_of_registrations_from_one_address_is_stopped(settings):
    async with _limited(settings, register_rate_limit="3/hour") as bot:
        statuses = [(await bot.post("/api/v1/auth/register", json=_account())).status_code for _ in range(5)]
        assert statuses == [201, 201, 201, 429, 429]
        refused = await bot.post("/api/v1/auth/register", json=_account())
        assert refused.status_code == 429
        assert 3000 < int(refused.headers["retry-after"]) <= 3600
        error = refused.json()["error"]
        assert error["code"] == "rate_limited"
        assert error["message"].startswith(
            "Từ mạng này đã đăng ký quá nhiều tài khoản. Hãy thử lại sau 60 phút"
        )
        english = await bot.post("/api/v1/auth/register", json=_account(), headers={"Accept-Language": "en"})
        assert "Too many accounts" in english.json()["error"]["message"]
        # Logging in is not held up by the registration limit.
        assert (
            await bot.post("/api/v1/auth/login", json={"phone": new_phone(), "password": "x" * 8})
        ).status_code == 401


async def test_failed_attempts_count_so_409s_cannot_probe_phones(settings):
    taken = new_phone()
    async with _limited(settings, register_rate_limit="3/minute") as bot:
        probes = [
            (await bot.post("/api/v1/auth/register", json=_account(taken))).status_code for _ in range(4)
        ]
        assert probes == [201, 409, 409, 429]


async def test_the_daily_limit_holds_when_the_short_window_would_allow(settings):
    async with _limited(settings, register_rate_limit="100/minute", register_daily_limit=2) as bot:
        statuses = [(await bot.post("/api/v1/auth/register", json=_account())).status_code for _ in range(3)]
        assert statuses == [201, 201, 429]
        refused = await bot.post("/api/v1/auth/register", json=_account())
        assert 80000 < int(refused.headers["retry-after"]) <= 86400
        assert "giờ" in refused.json()["error"]["message"]


async def test_the_web_form_is_limited_too_with_the_form_kept(settings):
    async with _limited(settings, register_rate_limit="1/hour") as browser:
        form = await browser.get("/register")
        token = csrf(form.text)
        fields = {k: v for k, v in _account().items()} | {"_csrf_token": token}
        first = await browser.post("/register", data=fields, follow_redirects=False)
        assert first.status_code in (302, 303)
        second = await browser.post("/register", data=fields | {"phone": new_phone()}, follow_redirects=False)
        assert second.status_code == 429
        assert int(second.headers["retry-after"]) > 0
        assert "đăng ký quá nhiều tài khoản" in second.text


async def test_other_addresses_register_freely(settings):
    app = create_app(dataclasses.replace(settings, register_rate_limit="1/hour"))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as bot:
        assert (await bot.post("/api/v1/auth/register", json=_account())).status_code == 201
        assert (await bot.post("/api/v1/auth/register", json=_account())).status_code == 429
        # A farmer at another address, served by the same (started) app.
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as farmer:
            assert (await farmer.post("/api/v1/auth/register", json=_account())).status_code == 201


def test_bad_limits_are_refused_at_start(monkeypatch):
    monkeypatch.setenv("REGISTER_RATE_LIMIT", "many")
    with pytest.raises(SettingsError, match="REGISTER_RATE_LIMIT must look like 10/minute"):
        Settings()
