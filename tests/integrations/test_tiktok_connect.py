"""Connecting a TikTok Shop through its own authorisation page (the simulator's consent page), from the
accounts page, and a TikTok listing synced by the worker over real HTTP."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from integrations import crypto
from integrations.settings import IntegrationsSettings
from integrations.simulators import tiktok as tiktok_sim
from integrations.tables import MarketplaceAccount
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.integrations.conftest import LiveSim

SHOP = "7495000000000000042"
BACK = "http://testserver.local/marketplace-accounts/tiktok/authorized"


@pytest.fixture
def tiktok():
    live = LiveSim(tiktok_sim, tiktok_sim.TiktokConfig(seed=11, redirect_url=BACK))
    yield live
    live.close()


@pytest.fixture
def int_settings(int_settings, tiktok):
    section = dataclasses.replace(int_settings.section(IntegrationsSettings), tiktok_url=tiktok.url)
    return int_settings.with_section(section)


async def test_connect_through_tiktoks_consent_page(client, accounts, tiktok, int_settings):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    page = await client.get("/marketplace-accounts")
    assert 'formaction="/marketplace-accounts/tiktok/authorize"' in page.text
    app = tiktok_sim.demo_credentials(SHOP)
    typed = {
        "_csrf_token": csrf(page.text),
        "shop_id": SHOP,
        "app_key": app["app_key"],
        "app_secret": app["app_secret"],
    }
    started = await client.post("/marketplace-accounts/tiktok/authorize", data=typed, follow_redirects=False)
    assert started.status_code in (302, 303)
    consent_url = httpx.URL(started.headers["location"])
    assert (
        str(consent_url).startswith(f"{tiktok.url}/oauth/authorize")
        and consent_url.params["app_key"] == app["app_key"]
    )
    assert app["app_secret"] not in str(consent_url)  # only the state goes through the marketplace
    async with httpx.AsyncClient() as browser:  # the seller on TikTok's page, over real HTTP
        assert "Đồng ý" in (await browser.get(consent_url)).text
        approved = await browser.post(
            f"{tiktok.url}/oauth/authorize",
            data={"app_key": app["app_key"], "state": consent_url.params["state"], "shop_id": SHOP},
        )
    back = httpx.URL(approved.headers["location"])
    assert str(back).startswith(BACK)
    # A callback whose state is not ours is refused and connects nothing.
    forged = await client.get(back.path, params={"code": back.params["code"], "state": "forged"})
    assert forged.status_code == 422 and "Ủy quyền" in forged.text and await MarketplaceAccount.count() == 0
    done = await client.get(back.path, params=dict(back.params), follow_redirects=False)
    assert (
        done.status_code in (302, 303)
        and done.headers["location"] == "/marketplace-accounts?connected=tiktok"
    )
    stored = await MarketplaceAccount.select().first()
    creds = crypto.decrypt(
        int_settings.section(IntegrationsSettings).credentials_key, stored["credentials_encrypted"]
    )
    assert (
        stored["shop_id"] == SHOP
        and creds["access_token"]
        and creds["shop_cipher"] == tiktok.state.cipher(SHOP)
    )
    assert "auth_code" not in creds  # traded once for tokens, not kept
    # The cookie is spent: the same callback again cannot connect a second time.
    again = await client.get(back.path, params=dict(back.params))
    assert again.status_code == 422
