"""Connecting a Lazada shop on the "Sàn bán hàng" page by Lazada's authorization redirect: our page
opens the (simulated) consent page, which sends the seller back with a one-time code filled in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from integrations.simulators.credentials import demo_credentials
from integrations.tables import MarketplaceAccount
from tests.agrimarket.test_web_pages import csrf, web_login

SELLER = "200042"


async def test_the_consent_page_sends_the_seller_back_with_the_code(client, accounts, sims):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    creds = demo_credentials("lazada", SELLER)
    page = await client.get("/marketplace-accounts")
    assert 'action="/marketplace-accounts/lazada/authorize"' in page.text

    to_lazada = await client.get(
        "/marketplace-accounts/lazada/authorize",
        params={"client_id": creds["app_key"]},
        follow_redirects=False,
    )
    assert to_lazada.status_code in (302, 303), to_lazada.text
    consent_url = to_lazada.headers["location"]
    query = parse_qs(urlsplit(consent_url).query)
    assert consent_url.startswith(f"{sims['lazada'].url}/oauth/authorize?")
    assert query["client_id"] == [creds["app_key"]] and query["response_type"] == ["code"]
    assert "app_secret" not in consent_url and creds["app_secret"] not in consent_url

    # The seller consents on Lazada's page (simulated), which redirects back to our page.
    consent = httpx.get(consent_url)
    assert "ủy quyền" in consent.text
    back = httpx.get(f"{consent_url}&seller_id={SELLER}", follow_redirects=False)
    assert back.status_code in (302, 303)
    returned = urlsplit(back.headers["location"])
    assert returned.path == "/marketplace-accounts/lazada/authorized"
    filled = await client.get(f"{returned.path}?{returned.query}")
    assert filled.status_code == 200
    assert f'value="{creds["code"]}"' in filled.text and f'value="{creds["app_key"]}"' in filled.text

    form = {"shop_id": SELLER, **creds}  # the secret typed by the seller, the rest as filled in
    done = await client.post("/marketplace-accounts/lazada", data={"_csrf_token": csrf(filled.text), **form})
    assert done.status_code == 200, done.text
    assert "Đã kết nối Lazada" in done.text
    assert (await MarketplaceAccount.select().first())["shop_id"] == SELLER
    assert csrf(done.text)  # the page still carries its form


async def test_authorizing_without_an_app_key_is_refused(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    refused = await client.get("/marketplace-accounts/lazada/authorize", params={"client_id": " "})
    assert refused.status_code == 422
    unknown = await client.get("/marketplace-accounts/postmart/authorize", params={"client_id": "x"})
    assert unknown.status_code == 422
