"""The seller's accounts page: connect a marketplace shop from a phone, checked by the simulator."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from integrations.simulators.credentials import demo_credentials
from integrations.tables import Listing, MarketplaceAccount, SyncJob
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish


async def post_form(client, code: str, page_html: str, **fields) -> object:
    return await client.post(f"/marketplace-accounts/{code}", data={"_csrf_token": csrf(page_html), **fields})


async def test_connect_page_happy_path(client, accounts, sims):
    farmer = await accounts.household()
    await product_with_photo(accounts, farmer)
    await web_login(client, farmer.phone)
    products = await client.get("/products")
    # No account yet: the card says where to connect one instead of showing no way to sell.
    assert "/marketplace-accounts" in products.text and "Đăng bán trên" not in products.text
    page = await client.get("/marketplace-accounts")
    assert page.status_code == 200
    assert "Sàn bán hàng" in page.text and "Chưa kết nối" in page.text
    assert 'name="api_secret"' in page.text and 'name="client_secret"' in page.text
    creds = demo_credentials("postmart", "shop-7")
    requests_before = sims["postmart"].state.requests
    done = await post_form(client, "postmart", page.text, shop_id="shop-7", **creds)
    assert done.status_code == 200, done.text
    assert "Đã kết nối Postmart" in done.text and "shop-7" in done.text
    assert creds["api_secret"] not in done.text  # never echoed back
    assert sims["postmart"].state.requests > requests_before  # checked over real HTTP
    stored = await MarketplaceAccount.select().first()
    assert stored["shop_id"] == "shop-7" and creds["api_secret"] not in stored["credentials_encrypted"]
    listed = (await client.get("/api/v1/marketplace-accounts", headers=farmer.headers)).json()
    assert [(a["marketplace"], a["shop_id"]) for a in listed] == [("postmart", "shop-7")]
    assert "Đăng bán trên Postmart" in (await client.get("/products")).text


async def test_bad_credentials_rerender_and_save_nothing(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    page = await client.get("/marketplace-accounts")
    wrong = {"api_key": "demo-shop-7", "api_secret": "sai-mat-khau-bi-mat-123"}
    refused = await post_form(client, "postmart", page.text, shop_id="shop-7", **wrong)
    assert refused.status_code == 422
    assert "Sàn không chấp nhận" in refused.text
    assert wrong["api_secret"] not in refused.text  # the secret is not typed back
    assert 'value="demo-shop-7"' in refused.text  # the key and shop id are kept for a fix
    missing = await post_form(client, "voso", page.text, shop_id="v-1", client_id="demo-v-1")
    assert missing.status_code == 422 and "Hãy nhập Mã bí mật" in missing.text
    unknown = await post_form(client, "sendo", page.text, shop_id="x", api_key="a", api_secret="b")
    assert unknown.status_code == 422 and "chưa được hỗ trợ" in unknown.text
    no_token = await client.post("/marketplace-accounts/postmart", data={"shop_id": "shop-7", **wrong})
    assert no_token.status_code == 403
    assert await MarketplaceAccount.count() == 0


async def test_household_sees_only_its_own_accounts(client, accounts):
    owner = await accounts.household()
    await connect(client, owner, "postmart", "shop-cua-hoa")
    other = await accounts.household(name="Lê Thị Mai")
    await web_login(client, other.phone)
    page = await client.get("/marketplace-accounts")
    assert page.status_code == 200
    assert "shop-cua-hoa" not in page.text and "Đã kết nối" not in page.text
    assert (await client.get("/api/v1/marketplace-accounts", headers=other.headers)).json() == []
    # Connecting the same marketplace makes the other household its own account, not a takeover.
    done = await post_form(
        client, "postmart", page.text, shop_id="shop-mai", **demo_credentials("postmart", "shop-mai")
    )
    assert done.status_code == 200 and "shop-mai" in done.text
    rows = await MarketplaceAccount.select(MarketplaceAccount.shop_id).order_by(MarketplaceAccount.id)
    assert [r["shop_id"] for r in rows] == ["shop-cua-hoa", "shop-mai"]


async def test_cooperative_account_and_who_may_connect(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    await accounts.join(manager, coop_id, member)
    await web_login(client, manager.phone)
    page = await client.get("/marketplace-accounts")
    assert "sản phẩm của các hộ thành viên" in page.text
    done = await post_form(client, "voso", page.text, shop_id="htx-1", **demo_credentials("voso", "htx-1"))
    assert done.status_code == 200 and "Đã kết nối Voso" in done.text
    await web_login(client, member.phone)
    member_page = await client.get("/marketplace-accounts")
    assert "gian hàng của hợp tác xã" in member_page.text and "htx-1" in member_page.text
    officer = await accounts.staff(Role.OFFICER)
    await web_login(client, officer.phone)
    assert (await client.get("/marketplace-accounts")).status_code == 403
    assert "Sàn bán hàng" not in (await client.get("/")).text  # no nav link for officers
    # The API agrees with the page: staff own no seller account, so they are refused, not shown [].
    admin = await accounts.staff(Role.ADMIN)
    for staff in (officer, admin):
        listed = await client.get("/api/v1/marketplace-accounts", headers=staff.headers)
        assert listed.status_code == 403, listed.text
        assert listed.json()["error"]["code"] == "forbidden"
    assert [
        a["shop_id"]
        for a in (await client.get("/api/v1/marketplace-accounts", headers=manager.headers)).json()
    ] == ["htx-1"]


async def test_refused_credentials_need_attention_then_reconnect_resumes(client, accounts, worker, sims):
    farmer = await accounts.household()
    await connect(client, farmer, "postmart", "shop-1")
    product = await product_with_photo(accounts, farmer)
    # The seller changed the key on Postmart: ours no longer works.
    new = {"api_key": "k-moi-2026", "api_secret": "bi-mat-moi-0123456789"}
    sims["postmart"].state.config.shops["shop-1"] = new
    assert (await publish(client, farmer, product["id"], "postmart")).status_code == 202
    await drain(worker)
    assert (await SyncJob.select().first())["status"] == "dead"
    await web_login(client, farmer.phone)
    page = await client.get("/marketplace-accounts")
    assert "Cần xử lý" in page.text and "Sai khóa API" in page.text
    done = await post_form(client, "postmart", page.text, shop_id="shop-1", **new)
    assert done.status_code == 200 and "Cần xử lý" not in done.text
    # The job that stopped on the old key is queued again and goes through.
    await drain(worker)
    assert (await Listing.select().first())["state"] == "live"
