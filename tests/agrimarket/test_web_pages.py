"""Server-rendered pages driven like a browser would, with cookies and CSRF tokens."""

from __future__ import annotations

import re

from agrimarket.accounts.actor import Role
from agrimarket.tables import Cooperative, Household, Product
from tests.factories import CAT_HAI, PASSWORD, new_phone, tax_code


def csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def web_login(client, phone: str) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"phone": phone, "password": PASSWORD, "_csrf_token": csrf(page.text)}
    )
    assert response.status_code == 200, response.text


async def test_register_page_rejects_bad_phone_and_keeps_values(client):
    page = await client.get("/register")
    assert "Đăng ký bán nông sản" in page.text
    response = await client.post(
        "/register",
        data={
            "full_name": "Nguyễn Thị Hoa",
            "phone": "12345",
            "password": PASSWORD,
            "province": "31",
            "commune_code": CAT_HAI,
            "_csrf_token": csrf(page.text),
        },
    )
    assert response.status_code == 422
    assert "Số điện thoại di động không đúng" in response.text
    assert 'value="Nguyễn Thị Hoa"' in response.text
    assert f'value="{CAT_HAI}" selected' in response.text


async def test_commune_options_fragment(client):
    response = await client.get("/areas/commune-options", params={"province": "31"})
    assert response.status_code == 200
    assert '<option value="11914"' in response.text and "Đặc khu Cát Hải" in response.text


async def test_protected_page_redirects_to_login(client):
    response = await client.get("/products", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login?next=/products"


async def test_language_switch_to_english(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    await client.get("/lang/en?next=/products")
    page = await client.get("/products")
    assert "My products" in page.text and "Sản phẩm của tôi" not in page.text


async def test_coop_manager_web_flow(client, accounts):
    manager = await accounts.register("coop_manager")
    await web_login(client, manager.phone)
    page = await client.get("/coop/")
    assert "Tạo hợp tác xã" in page.text
    response = await client.post(
        "/coop/",
        data={
            "name": "HTX Rau sạch Cát Hải",
            "tax_code": tax_code(11),
            "province": "31",
            "commune_code": CAT_HAI,
            "_csrf_token": csrf(page.text),
        },
    )
    assert response.status_code == 200
    assert "HTX Rau sạch Cát Hải" in response.text
    coop = await Cooperative.select().first()

    assert "chưa được xác minh" in response.text
    member_phone = new_phone()
    refused = await client.post(
        "/coop/members",
        data={"phone": member_phone, "head_name": "Vũ Văn Giang", "_csrf_token": csrf(response.text)},
    )
    assert refused.status_code == 409  # unverified: no sign-up until an officer checks the tax code
    admin = await accounts.staff(Role.ADMIN)
    verified = await client.post(
        f"/api/v1/cooperatives/{coop['id']}/status", json={"status": "verified"}, headers=admin.headers
    )
    assert verified.status_code == 200, verified.text
    response = await client.post(
        "/coop/members",
        data={"phone": member_phone, "head_name": "Vũ Văn Giang", "_csrf_token": csrf(response.text)},
    )
    assert response.status_code == 200
    assert "Vũ Văn Giang" in response.text
    household = await Household.select().where(Household.phone == member_phone).first()
    assert household["cooperative"] == coop["id"]

    form = await client.get(f"/products/new?owner={household['id']}")
    assert f'<option value="{household["id"]}" selected' in form.text
    response = await client.post(
        "/products/new",
        data={
            "owner": str(household["id"]),
            "name": "Rau muống",
            "category": "rau_cu",
            "unit": "bo",
            "price_vnd": "12.000",
            "stock": "30",
            "certifications": ["vietgap"],
            "_csrf_token": csrf(form.text),
        },
        files={"photos": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    product = await Product.select().first()
    assert product["owner_household"] == household["id"]
    assert product["created_by"] == manager.me["id"]
    assert product["price_vnd"] == 12000
    assert product["certifications"] == ["vietgap"]


async def test_one_tap_stock_and_price_fragments(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, stock=1)
    await web_login(client, farmer.phone)
    token = csrf((await client.get("/products")).text)
    headers = {"x-csrftoken": token, "HX-Request": "true"}
    url = f"/products/{product['id']}"
    plus = await client.post(f"{url}/stock", data={"delta": "1"}, headers=headers)
    assert plus.status_code == 200 and "Còn 2" in plus.text and "<html" not in plus.text
    for _ in range(2):
        await client.post(f"{url}/stock", data={"delta": "-1"}, headers=headers)
    empty = await client.post(f"{url}/stock", data={"delta": "-1"}, headers=headers)
    assert empty.status_code == 409 and "Đã hết hàng" in empty.text and "Còn 0" in empty.text
    bad_price = await client.post(f"{url}/price", data={"price_vnd": "abc"}, headers=headers)
    assert bad_price.status_code == 422 and "Giá phải là số" in bad_price.text
    good_price = await client.post(f"{url}/price", data={"price_vnd": "18.500"}, headers=headers)
    assert "18.500 đ" in good_price.text
    stranger = await accounts.household()
    client.cookies.clear()
    await web_login(client, stranger.phone)
    token = csrf((await client.get("/products")).text)
    foreign = await client.post(f"{url}/stock", data={"delta": "5"}, headers={"x-csrftoken": token})
    assert foreign.status_code == 404
    assert (await Product.select(Product.stock).first())["stock"] == 0


async def test_public_product_page_gives_each_visitor_their_own_csrf_token(client, accounts):
    """The page a visitor who is not logged in sees is kept rendered; only their token is new."""
    farmer = await accounts.household()
    product = await accounts.product(farmer, name="Mắm <csrf> & tôm")
    tokens = []
    for _ in range(2):
        client.cookies.clear()
        page = await client.get(f"/p/{product['id']}")
        token = re.search(r'<meta name="csrf-token" content="([^"]*)"', page.text).group(1)
        assert token and token == client.cookies["csrftoken"]  # the one their cookie holds
        assert page.text.count("Mắm &lt;csrf&gt; &amp; tôm") == 2  # title and heading, escaped
        assert page.headers["content-type"].startswith("text/html")
        tokens.append(token)
    assert tokens[0] != tokens[1]
    await web_login(client, farmer.phone)  # a logged-in visitor's frame is their own
    page = await client.get(f"/p/{product['id']}")
    assert 'action="/logout"' in page.text
    assert (
        re.search(r'<meta name="csrf-token" content="([^"]*)"', page.text).group(1)
        == client.cookies["csrftoken"]
    )


async def test_public_product_page_shows_each_photo_and_listing_once_and_follows_changes(client, accounts):
    """The page reads product, photos and listings in one query (a row per photo and listing);
    what a visitor who is not logged in sees is kept rendered, and still follows every change."""
    from datetime import UTC, datetime

    from agrimarket.tables import ProductPhoto
    from integrations.tables import Listing
    from tests.agrimarket.indicators.helpers import market

    farmer = await accounts.household()
    product = await accounts.product(farmer, name="Bưởi da xanh")
    now = datetime.now(UTC)
    for n in range(3):
        await ProductPhoto(
            product=product["id"],
            position=n,
            image_key=f"p/photo-{n}.webp",
            thumb_key=f"p/thumb-{n}.webp",
            width=4,
            height=3,
        ).save()
    links = {"postmart": "https://postmart.vn/p/buoi-1", "voso": "https://voso.vn/p/buoi-1"}
    listings = {}
    for code, url in links.items():
        listing = Listing(
            product=product["id"],
            marketplace=await market(code),
            household=farmer.me["household_id"],
            state="live",
            external_url=url,
            created_at=now,
            updated_at=now,
        )
        await listing.save()
        listings[code] = listing.id

    def shown(html: str) -> tuple[int, int, list[int]]:
        """(main photos, thumbnails, how often each shop's link appears)"""
        return (
            html.count('class="photo-main"'),
            html.count("thumb-"),
            [html.count(url) for url in links.values()],
        )

    page = (await client.get(f"/p/{product['id']}")).text
    assert shown(page) == (1, 2, [1, 1])  # main photo, two thumbnails, each shop once
    assert shown((await client.get(f"/p/{product['id']}")).text) == (1, 2, [1, 1])  # the kept page, alike

    await Listing.update({Listing.state: "delisted"}).where(Listing.id == listings["voso"])
    await Product.update({Product.price_vnd: 61000}).where(Product.id == product["id"])
    page = (await client.get(f"/p/{product['id']}")).text
    assert shown(page) == (1, 2, [1, 0]) and "61.000 đ" in page
    await ProductPhoto.delete().where(ProductPhoto.position == 2)
    assert shown((await client.get(f"/p/{product['id']}")).text) == (1, 1, [1, 0])


async def test_product_form_asks_for_the_weight_of_one_unit(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    form = await client.get("/products/new")
    assert 'name="unit_weight_g"' in form.text and "Bán theo kg, yến, tạ, tấn thì không cần nhập" in form.text
    fields = {"name": "Rau muống", "category": "rau_cu", "unit": "bo", "price_vnd": "15.000", "stock": "20"}
    refused = await client.post(
        "/products/new", data=fields | {"unit_weight_g": "0,5", "_csrf_token": csrf(form.text)}
    )
    assert refused.status_code == 422
    assert "Khối lượng mỗi đơn vị phải là số gam nguyên" in refused.text
    assert 'value="0,5"' in refused.text  # kept for the farmer to correct
    assert await Product.count() == 0
    done = await client.post(
        "/products/new", data=fields | {"unit_weight_g": "1.500", "_csrf_token": csrf(refused.text)}
    )
    assert done.status_code == 200, done.text
    assert (await Product.select(Product.unit_weight_g).first())["unit_weight_g"] == 1500
    by_kg = await client.post(
        "/products/new",
        data=fields | {"unit": "kg", "unit_weight_g": "", "_csrf_token": csrf(done.text)},
    )
    assert by_kg.status_code == 200, by_kg.text
    rows = await Product.select(Product.unit, Product.unit_weight_g).order_by(Product.id)
    assert rows[-1] == {"unit": "kg", "unit_weight_g": None}
