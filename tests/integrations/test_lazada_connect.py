"""Connecting a Lazada shop on the "Sàn bán hàng" page by Lazada's authorization redirect
(``listings.authorize_pages``): the seller types the shop and the app's key and secret, Lazada's
(simulated) consent page sends them back with a one-time code, and the shop is connected."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from litestar.testing import AsyncTestClient

from integrations.simulators.credentials import demo_credentials
from integrations.tables import MarketplaceAccount
from tests.agrimarket.test_web_pages import csrf, web_login

SELLER = "200042"


async def test_the_consent_page_sends_the_seller_back_and_the_shop_is_connected(client, accounts, sims):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    creds = demo_credentials("lazada", SELLER)
    page = await client.get("/marketplace-accounts")
    assert 'formaction="/marketplace-accounts/lazada/authorize"' in page.text
    typed = {"shop_id": SELLER, "app_key": creds["app_key"], "app_secret": creds["app_secret"]}
    to_lazada = await client.post(
        "/marketplace-accounts/lazada/authorize",
        data={"_csrf_token": csrf(page.text), **typed},
        follow_redirects=False,
    )
    assert to_lazada.status_code in (302, 303), to_lazada.text
    consent_url = to_lazada.headers["location"]
    query = parse_qs(urlsplit(consent_url).query)
    assert consent_url.startswith(f"{sims['lazada'].url}/oauth/authorize?")
    assert query["client_id"] == [creds["app_key"]] and query["response_type"] == ["code"]
    assert query["redirect_uri"][0].endswith("/marketplace-accounts/lazada/authorized")
    assert creds["app_secret"] not in consent_url  # only the state goes through the marketplace

    # The seller consents on Lazada's page (simulated), which redirects back to our page.
    consent = httpx.get(consent_url)
    assert "ủy quyền" in consent.text
    back = httpx.get(f"{consent_url}&seller_id={SELLER}", follow_redirects=False)
    assert back.status_code in (302, 303)
    returned = urlsplit(back.headers["location"])
    assert returned.path == "/marketplace-accounts/lazada/authorized"
    done = await client.get(f"{returned.path}?{returned.query}", follow_redirects=False)
    assert done.status_code in (302, 303), done.text
    assert done.headers["location"] == "/marketplace-accounts?connected=lazada"
    assert (await MarketplaceAccount.select().first())["shop_id"] == SELLER
    replayed = await client.get(f"{returned.path}?{returned.query}")  # the cookie is gone: refused
    assert replayed.status_code == 422 and await MarketplaceAccount.count() == 1


async def test_authorizing_without_an_app_key_or_on_a_marketplace_without_a_consent_page(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    page = await client.get("/marketplace-accounts")
    form = {"_csrf_token": csrf(page.text), "shop_id": SELLER, "app_key": " ", "app_secret": "s"}
    refused = await client.post("/marketplace-accounts/lazada/authorize", data=form)
    assert refused.status_code == 422 and "App Key" in refused.text
    unknown = await client.post("/marketplace-accounts/postmart/authorize", data=form)
    assert unknown.status_code == 422 and "không có trang ủy quyền" in unknown.text


async def test_the_consent_cookie_is_secure_as_public_base_url_says_not_as_the_request_came(
    module_app, int_settings, accounts, sims
):
    """PUBLIC_BASE_URL is http here; a request arriving over https does not make the cookie Secure
    (and behind a TLS proxy, an https PUBLIC_BASE_URL makes it Secure though requests come as http)."""
    assert not int_settings.https
    farmer = await accounts.household()
    async with AsyncTestClient(app=module_app, base_url="https://testserver.local") as browser:
        await web_login(browser, farmer.phone)
        page = await browser.get("/marketplace-accounts")
        creds = demo_credentials("lazada", SELLER)
        form = {
            "_csrf_token": csrf(page.text),
            "shop_id": SELLER,
            "app_key": creds["app_key"],
            "app_secret": "s",
        }
        to_lazada = await browser.post(
            "/marketplace-accounts/lazada/authorize", data=form, follow_redirects=False
        )
    assert to_lazada.status_code in (302, 303), to_lazada.text
    cookie = next(
        c for c in to_lazada.headers.get_list("set-cookie") if c.startswith("marketplace_authorize=")
    )
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in flags and "secure" not in flags, cookie
