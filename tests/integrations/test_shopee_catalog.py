"""Shopee as its product guide documents it (issue #24), over real HTTP against the Shopee simulator:
JPEG images, a leaf category, every mandatory attribute of that leaf and "No brand", the farmer asked
on the product form only for what we cannot fill, and the catalogue cached per shop until it expires."""

from __future__ import annotations

import json

import pytest

from agrimarket.tables import Product
from integrations.adapters import shopee_catalog as catalog
from integrations.adapters.base import Account, ListingPayload, Rejected
from integrations.adapters.shopee import ShopeeAdapter
from integrations.simulators import shopee_catalog as sim_catalog
from integrations.simulators.credentials import demo_credentials
from integrations.tables import Listing
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.integrations.conftest import drain
from tests.integrations.helpers import WEBP_PHOTO, connect, product_with_photo, publish

SHOP = "880001"
SPECIALITY = 100793  # "Đặc sản": origin, shelf life and net weight are mandatory
ANSWERS = {
    f"shopee.{sim_catalog.ORIGIN}": str(sim_catalog.VIETNAM),
    f"shopee.{sim_catalog.SHELF_LIFE}": "2005",
}


async def stored_photo(int_settings, product_id: int) -> None:
    from agrimarket.media.storage import build_storage

    await build_storage(int_settings).put(f"p/{product_id}.webp", WEBP_PHOTO, "image/webp")


async def speciality(client, accounts, int_settings, **overrides) -> tuple:
    """A farmer with a Shopee shop and a 500 g box of a processed speciality, photo stored as WebP."""
    farmer = await accounts.household()
    await connect(client, farmer, "shopee", SHOP)
    fields = dict(name="Mắm ruốc Cát Hải", category="che_bien", unit="hop", unit_weight_g=500)
    product = await product_with_photo(accounts, farmer, **(fields | overrides))
    await stored_photo(int_settings, product["id"])
    return farmer, product


async def test_the_listing_carries_jpeg_images_and_every_mandatory_attribute(
    client, accounts, worker, sims, int_settings
):
    shopee = sims["shopee"].state
    _, product = await speciality(client, accounts, int_settings, marketplace_attributes=ANSWERS)
    # 30 % of Shopee's writes fail: errors, throttling, hangs past our timeout, answers cut after the write.
    faults = shopee.config.faults
    faults.error_rate, faults.throttle_rate, faults.timeout_rate, faults.drop_rate = 0.1, 0.05, 0.05, 0.1
    faults.hang_s = 1.0
    assert (await publish(client, _, product["id"], "shopee")).status_code == 202
    await drain(worker)
    listing = await Listing.select().first()
    assert listing["state"] == "live", listing
    assert sum(shopee.injected.values()) > 0  # the faults really played
    (item,) = shopee.items.values()  # created once
    assert shopee.images and all(data.startswith(b"\xff\xd8\xff") for data in shopee.images.values())
    assert item.fields["images"] and all(url.split("/")[-1] in shopee.images for url in item.fields["images"])
    assert item.fields["category"] == SPECIALITY and not sim_catalog.has_children(SPECIALITY)
    attributes = item.fields["attributes"]
    assert set(sim_catalog.MANDATORY[SPECIALITY]) <= set(attributes)
    assert attributes[sim_catalog.ORIGIN] == [
        {"value_id": sim_catalog.VIETNAM, "original_value_name": "Vietnam"}
    ]
    assert attributes[sim_catalog.SHELF_LIFE][0]["value_id"] == 2005
    # Net weight: ours, from the 500 g the farmer typed for one box, not asked on the form.
    assert attributes[sim_catalog.NET_WEIGHT] == [
        {"value_id": 0, "original_value_name": "500", "value_unit": "g"}
    ]
    assert item.fields["brand"] == {"brand_id": 0, "original_brand_name": "NoBrand"}


async def test_missing_answers_are_the_farmers_to_give_then_the_listing_goes_live(
    client, accounts, worker, sims, int_settings
):
    shopee = sims["shopee"].state
    farmer, product = await speciality(client, accounts, int_settings, marketplace_attributes={})
    assert (await publish(client, farmer, product["id"], "shopee")).status_code == 202
    await drain(worker)
    listing = await Listing.select().first()
    assert listing["state"] == "rejected" and listing["external_id"] is None
    assert listing["reason_vi"] == (
        "Shopee cần thêm thông tin cho loại «Đặc sản»: Xuất xứ, Hạn sử dụng. "
        "Hãy điền các mục này trong phần «Thông tin sàn cần» của sản phẩm."
    )
    assert not shopee.items and not shopee.images  # nothing uploaded for a listing Shopee would refuse
    answered = await client.patch(
        f"/api/v1/products/{product['id']}", json={"marketplace_attributes": ANSWERS}, headers=farmer.headers
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["marketplace_attributes"] == ANSWERS
    await drain(worker)
    listing = await Listing.select().where(Listing.id == listing["id"]).first()
    assert listing["state"] == "live", listing
    item = shopee.items[listing["external_id"]]
    assert set(sim_catalog.MANDATORY[SPECIALITY]) <= set(item.fields["attributes"])
    # A changed answer reaches the live item through update_item's attribute_list.
    longer = ANSWERS | {f"shopee.{sim_catalog.SHELF_LIFE}": "2006"}
    changed = await client.patch(
        f"/api/v1/products/{product['id']}", json={"marketplace_attributes": longer}, headers=farmer.headers
    )
    assert changed.status_code == 200, changed.text
    await drain(worker)
    assert item.fields["attributes"][sim_catalog.SHELF_LIFE][0]["value_id"] == 2006
    assert len(shopee.items) == 1


async def test_answers_are_checked_like_any_product_field(client, accounts):
    farmer = await accounts.household()
    refused = await accounts.post_product(farmer, marketplace_attributes={"not a key": "x"})
    assert refused.status_code == 422 and "marketplace_attributes" in refused.text
    too_long = await accounts.post_product(farmer, marketplace_attributes={"shopee.100010": "x" * 201})
    assert too_long.status_code == 422 and await Product.count() == 0


@pytest.fixture
async def adapter(sims):
    made = ShopeeAdapter(sims["shopee"].url, timeout_s=2.0, read_photo=lambda key: _photo())
    yield made
    await made.aclose()


async def _photo() -> bytes:
    return WEBP_PHOTO


def seller(shop_id: str = SHOP) -> Account:
    return Account(shop_id, demo_credentials("shopee", shop_id))


async def test_a_non_leaf_category_is_refused(sims, adapter, monkeypatch):
    account = seller()
    image_ids = await adapter._upload_images(account, _payload())
    body = {
        "item_name": "Mắm ruốc", "description": "", "item_sku": "agm-7", "original_price": 60000.0,
        "seller_stock": [{"stock": 5}], "category_id": 100790, "image": {"image_id_list": image_ids},
        "weight": 0.5, "logistic_info": [{"logistic_id": 50021, "enabled": True}],
        "brand": dict(catalog.NO_BRAND),
    }  # fmt: skip
    with pytest.raises(Rejected) as refused:  # Shopee itself refuses "Thực phẩm khô", a parent
        await adapter._shop(account, "POST", "/api/v2/product/add_item", json=body)
    # add_item's documented error for it (API reference error list; "Creating product" guide 2.1).
    assert "error_invalid_category: Invalid category ID 100790" in refused.value.reason_en
    leaf = next(c for c in catalog.CATEGORY.values() if c != 100790)
    with pytest.raises(Rejected) as missing:  # a leaf without its mandatory origin attribute
        await adapter._shop(
            account,
            "POST",
            "/api/v2/product/add_item",
            json=body | {"category_id": leaf, "attribute_list": []},
        )
    assert "error_invalid_attribute: Mandatory attribute information required" in missing.value.reason_en
    # Our map pointing at a parent (Shopee moved its tree): refused before anything is uploaded.
    monkeypatch.setitem(catalog.CATEGORY, "che_bien", 100790)
    uploaded = len(sims["shopee"].state.images)
    with pytest.raises(Rejected) as ours:
        await adapter.publish(account, _payload(), "k-1")
    assert "no longer a leaf" in ours.value.reason_en and len(sims["shopee"].state.images) == uploaded
    assert not sims["shopee"].state.items


async def test_a_webp_upload_is_refused_in_shopees_words(sims, adapter):
    with pytest.raises(Rejected) as refused:
        await adapter._public(
            seller(),
            "/api/v2/media_space/upload_image",
            files={"image": ("p.webp", WEBP_PHOTO, "image/webp")},
        )
    assert "only JPG, JPEG and PNG" in refused.value.reason_en
    assert not sims["shopee"].state.images


async def test_the_catalogue_is_cached_per_shop_until_it_expires(sims, adapter):
    calls = sims["shopee"].state.catalog_calls
    clock = sims["shopee"].state.config.clock  # Shopee's clock, and ours with it: hours pass in a moment
    adapter.clock = clock  # the adapter's clock times the signatures, the tokens and the cache
    first = await adapter.farmer_questions(seller())
    assert calls[catalog.CATEGORY_LIST] == 1
    await adapter.farmer_questions(seller())
    assert calls[catalog.CATEGORY_LIST] == 1  # served from the cache
    await adapter.farmer_questions(seller("880002"))
    assert calls[catalog.CATEGORY_LIST] == 2  # another shop has its own
    clock.advance(catalog.CATALOG_TTL_S - 60)  # a minute of real time is spare
    await adapter.farmer_questions(seller())
    assert calls[catalog.CATEGORY_LIST] == 2
    clock.advance(120)  # expired
    again = await adapter.farmer_questions(seller())
    assert calls[catalog.CATEGORY_LIST] == 3 and again == first
    keys = {q.key: q for q in first}
    # Asked: origin everywhere, shelf life for dry goods; never net weight (ours) or an optional one.
    assert set(keys) == {f"shopee.{sim_catalog.ORIGIN}", f"shopee.{sim_catalog.SHELF_LIFE}"}
    assert set(keys[f"shopee.{sim_catalog.ORIGIN}"].categories) == set(catalog.CATEGORY)
    assert "che_bien" in keys[f"shopee.{sim_catalog.SHELF_LIFE}"].categories
    assert "rau_cu" not in keys[f"shopee.{sim_catalog.SHELF_LIFE}"].categories


async def test_the_phone_form_asks_only_what_shopee_needs_and_we_cannot_fill(client, accounts, sims):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    plain = await client.get("/products/new")
    assert "Thông tin sàn cần" not in plain.text  # no Shopee shop: nothing asked
    await connect(client, farmer, "shopee", SHOP)
    form = await client.get("/products/new")
    assert form.status_code == 200
    assert "Thông tin sàn cần" in form.text and "Xuất xứ" in form.text and "Hạn sử dụng" in form.text
    assert "Khối lượng tịnh" not in form.text and "Cách bảo quản" not in form.text
    assert f'name="attr:shopee.{sim_catalog.SHELF_LIFE}"' in form.text and ">12 tháng</option>" in form.text
    fields = {"name": "Mật ong hoa nhãn", "category": "mat_ong", "unit": "chai", "price_vnd": "250.000"}
    answers = {f"attr:{key}": value for key, value in ANSWERS.items()}
    done = await client.post(
        "/products/new", data=fields | answers | {"unit_weight_g": "700", "_csrf_token": csrf(form.text)}
    )
    assert done.status_code == 200, done.text
    stored = await Product.select(Product.marketplace_attributes).first()
    assert stored is not None and json.loads(stored["marketplace_attributes"]) == ANSWERS


def _payload() -> ListingPayload:
    return ListingPayload(
        sku="agm-7", name="Mắm ruốc Cát Hải", description="", category="che_bien", unit="hop",
        price_vnd=60_000, stock=5, photo_urls=[], version=1, photo_keys=["p/7.webp"], weight_kg=0.5,
        attributes=ANSWERS,
    )  # fmt: skip
