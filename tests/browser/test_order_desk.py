"""A household works an order on a phone (issue 20): a buyer orders on the Voso simulator, the
order reaches the inbox by webhook, the farmer confirms it, books a pickup and opens the waybill
label, in a real headless Chromium at 390×844 against the app served over HTTP with its sync
worker running and the simulators mounted, as ``make run`` has them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import httpx
import pypdfium2
import pytest
from playwright.sync_api import Page, expect

from integrations.settings import IntegrationsSettings
from integrations.simulators.credentials import demo_credentials
from tests.browser.conftest import served, sign_in
from tests.browser.test_phone_flow import PASSWORD, assert_fits_phone, jpeg
from tests.factories import CAT_HAI, new_phone
from tests.integrations.conftest import FAST
from tests.waiting import until_sync

pytestmark = pytest.mark.browser
MM_PER_POINT = 25.4 / 72
# The worker's actions reach the simulator in well under this; the page asks again every 2 s.
ANSWERED_MS = 20_000


@pytest.fixture
def desk_server(settings) -> Iterator[str]:
    """The app with its in-process worker and the mounted simulators, on a free local port."""
    from agrimarket.app import create_app

    def make_app(base_url: str):
        served_settings = dataclasses.replace(settings, public_base_url=base_url)
        integrations = dataclasses.replace(
            served_settings.section(IntegrationsSettings), worker="inprocess", simulators=True, **FAST
        )
        return create_app(served_settings.with_section(integrations))

    with served(make_app) as url:
        yield url


def a_household_listing_on_voso(base_url: str, name: str = "Trần Thị Mai") -> tuple[httpx.Client, str, int]:
    """A registered household with a product of 30 kg at 45.000 đ (with a photo) sent to Voso:
    (its API client, its phone, the product's id)."""
    api = httpx.Client(base_url=base_url, timeout=10)
    phone = new_phone()
    registered = api.post(
        "/api/v1/auth/register",
        json={"phone": phone, "password": PASSWORD, "full_name": name, "commune_code": CAT_HAI},
    )
    assert registered.status_code == 201, registered.text
    api.headers["Authorization"] = f"Bearer {registered.json()['token']}"
    account = {"marketplace": "voso", "shop_id": "shop-1", "credentials": demo_credentials("voso", "shop-1")}
    assert api.post("/api/v1/marketplace-accounts", json=account).status_code == 201
    product = {"name": "Bưởi da xanh", "category": "trai_cay", "unit": "kg", "price_vnd": 45_000, "stock": 30}
    made = api.post("/api/v1/products/", json=product)
    assert made.status_code == 201, made.text
    product_id = made.json()["id"]
    photo = api.post(
        f"/api/v1/products/{product_id}/photos", files={"photo": ("b.jpg", jpeg(), "image/jpeg")}
    )
    assert photo.status_code == 201, photo.text
    listed = api.post(f"/api/v1/products/{product_id}/listings", json={"marketplace": "voso"})
    assert listed.status_code == 202, listed.text
    return api, phone, product_id


def an_order_on_voso(base_url: str) -> tuple[str, str]:
    """A household with a product live on Voso and a buyer's order of it: (its phone, the order ref)."""
    api, phone, product_id = a_household_listing_on_voso(base_url)

    def live_item() -> str:
        """The item's id on Voso, from its page's address (…/item/{id}) once live."""
        listings = api.get(f"/api/v1/products/{product_id}/listings").json()
        return next((x["external_url"].rsplit("/", 1)[-1] for x in listings if x["state"] == "live"), "")

    item = until_sync(live_item, timeout=30, every=0.1, what="the listing to be live on Voso")
    bought = httpx.post(f"{base_url}/sim/voso/orders/{item}", params={"quantity": 2, "payment": "cod"})
    assert bought.status_code == 200, bought.text
    ref = bought.json()["order_id"]

    def in_inbox() -> bool:
        return any(o["order_ref"] == ref for o in api.get("/api/v1/orders/inbox").json()["orders"])

    until_sync(in_inbox, timeout=30, every=0.1, what="the order to reach the inbox by webhook")
    return phone, ref


def pdf_page_mm(pdf: bytes) -> tuple[float, float]:
    (page,) = pypdfium2.PdfDocument(pdf)
    width, height = page.get_size()
    assert page.render(scale=0.5).to_pil().convert("L").getextrema()[0] < 64  # something is printed
    return width * MM_PER_POINT, height * MM_PER_POINT


def test_a_farmer_confirms_ships_and_prints_an_order_on_a_phone(browser, desk_server, shot):
    phone_number, ref = an_order_on_voso(desk_server)
    from tests.browser.conftest import PHONE

    expect.set_options(timeout=5_000)
    context = browser.new_context(base_url=desk_server, **PHONE)
    context.set_default_timeout(5_000)
    page: Page = context.new_page()
    try:
        sign_in(page, phone_number, PASSWORD)
        page.goto("/orders")
        card = page.locator("section.order", has_text=ref)
        expect(card).to_contain_text("Cần xác nhận trước")
        assert_fits_phone(page)
        shot(page, "desk-01-inbox")
        card.get_by_role("link", name=re.compile(ref)).click()

        expect(page).to_have_url(re.compile(r"/orders/\d+$"))
        expect(page.get_by_test_id("stage")).to_have_text("Chờ xác nhận")
        expect(page.get_by_test_id("money")).to_contain_text("90.000")
        assert_fits_phone(page)
        shot(page, "desk-02-order")
        confirm = page.get_by_role("button", name="Đồng ý xác nhận")
        assert confirm.bounding_box()["height"] >= 44, "too small to tap"
        confirm.click()
        expect(page.get_by_test_id("pending")).to_have_text("Xác nhận đơn: đang gửi…")
        shot(page, "desk-03-sending")
        # htmx asks for the page again until the worker has the marketplace's answer.
        expect(page.get_by_test_id("result")).to_have_text("✓ Xác nhận đơn: đã xong", timeout=ANSWERED_MS)
        expect(page.get_by_test_id("stage")).to_have_text("Chờ gửi hàng")

        page.get_by_test_id("ship").click()
        expect(page.get_by_role("heading", name="Gửi hàng")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Viettel Post")
        page.locator('input[name="choice"][value^="pickup|"]').first.check()
        assert_fits_phone(page)
        shot(page, "desk-04-ship")
        page.get_by_role("button", name="Xác nhận gửi hàng").click()
        expect(page.get_by_test_id("result")).to_have_text("✓ Gửi hàng: đã xong", timeout=ANSWERED_MS)
        expect(page.get_by_test_id("stage")).to_have_text("Chờ lấy hàng")
        expect(page.get_by_test_id("tracking")).to_have_text(re.compile(r"^VTP\d{10}$"))
        assert_fits_phone(page)
        shot(page, "desk-05-to-pickup")

        label = page.get_by_role("link", name="In nhãn A6")
        with page.expect_response(re.compile(r"/label\.pdf\?size=a6$")) as answered:
            label.click()  # the phone opens it in its PDF viewer, to print or share
        expect(page).to_have_url(re.compile(r"/orders/\d+/label\.pdf\?size=a6$"))
        assert answered.value.status == 200
        assert answered.value.headers["content-type"] == "application/pdf"
        # The viewer has the document; the same request with the phone's cookies gives its bytes.
        width, height = pdf_page_mm(context.request.get(page.url).body())
        assert (round(width), round(height)) == (105, 148)

        # The inbox's "print today's labels" on the 80 mm roll: the one parcel waiting for pickup.
        page.goto("/orders?tab=to_pickup")
        expect(page.locator("section.order", has_text=ref)).to_contain_text("Chờ lấy hàng")
        with page.expect_response(re.compile(r"/orders/labels-today\.pdf\?size=80mm$")) as today:
            page.get_by_role("link", name="In nhãn hôm nay, khổ 80 mm").click()
        assert today.value.status == 200
        width, height = pdf_page_mm(context.request.get(page.url).body())
        assert (round(width), round(height)) == (72, 100)
    finally:
        context.close()
