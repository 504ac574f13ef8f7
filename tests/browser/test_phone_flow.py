"""A farmer on a phone: register, log in, list a product with a photo, one-tap edits, public page."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-123"
PHONE_WIDTH = 390


def jpeg(width: int = 640, height: int = 480) -> bytes:
    """A small green photo, made in memory."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (60, 140, 70)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def assert_fits_phone(page: Page) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on a 390 px wide screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide"


def register(page: Page, phone: str, name: str = "Nguyễn Thị Hoa", shot=None) -> None:
    page.goto("/register")
    expect(page.get_by_role("heading", name="Đăng ký bán nông sản")).to_be_visible()
    page.get_by_label("Họ và tên").fill(name)
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_label("Tỉnh / thành phố").select_option(label="Thành phố Hải Phòng")
    commune = page.get_by_label("Xã / phường / đặc khu")
    # htmx fills the communes of the chosen province.
    expect(commune.locator("option", has_text="Đặc khu Cát Hải")).to_have_count(1)
    commune.select_option(label="Đặc khu Cát Hải")
    assert_fits_phone(page)
    if shot:
        shot(page, "01-register")
    page.locator("main").get_by_role("button", name="Đăng ký").click()
    expect(page).to_have_url(re.compile(r"/products$"))
    expect(page.get_by_role("heading", name="Sản phẩm của tôi")).to_be_visible()


def test_farmer_lists_and_edits_a_product_on_a_phone(phone: Page, shot):
    page = phone
    number = "0912 345 678"

    register(page, number, shot=shot)
    assert_fits_phone(page)
    shot(page, "02-products-empty")

    logout = page.get_by_role("button", name="Đăng xuất")
    assert logout.bounding_box()["height"] >= 44, "the header buttons are too small to tap"
    logout.click()
    expect(page.get_by_role("link", name="Đăng nhập").first).to_be_visible()
    page.goto("/login")
    page.get_by_label("Số điện thoại").fill(number)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    assert_fits_phone(page)
    shot(page, "03-login")
    page.locator("main").get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/products$"))

    page.get_by_role("link", name="Đăng sản phẩm mới").click()
    expect(page).to_have_url(re.compile(r"/products/new$"))
    page.set_input_files("#photos", {"name": "rau.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    page.get_by_label("Tên sản phẩm").fill("Rau muống Cát Hải")
    page.get_by_label("Loại").select_option(label="Rau, củ")
    page.get_by_label("Đơn vị").select_option(label="bó")
    page.get_by_label("Giá (đồng)").fill("15.000")
    page.get_by_label("Số lượng có").fill("20")
    page.get_by_label("Mùa vụ thu hoạch").fill("Quanh năm")
    page.get_by_label("VietGAP").check()
    assert_fits_phone(page)
    shot(page, "04-new-product")
    page.get_by_role("button", name="Đăng sản phẩm", exact=True).click()

    expect(page).to_have_url(re.compile(r"/products\?created=\d+$"))
    expect(page.locator("p.notice")).to_have_text("Đã đăng sản phẩm.")
    card = page.locator("article.card", has_text="Rau muống Cát Hải")
    expect(card).to_contain_text("15.000 đ")
    product_id = card.get_attribute("data-product-id")
    card = page.locator(f"#product-{product_id}")
    thumb = card.locator("img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") > 0
    stock = card.get_by_test_id("stock")
    expect(stock).to_have_text("Còn 20 bó")
    assert_fits_phone(page)
    shot(page, "05-products-card")

    # One tap on "+": htmx swaps the card in place, the page itself stays.
    page.evaluate("window.__marker = 1")
    card.get_by_role("button", name="Thêm 1").click()
    expect(stock).to_have_text("Còn 21 bó")
    assert page.evaluate("window.__marker") == 1

    card.get_by_label("Giá (đồng)").fill("18000")
    card.get_by_role("button", name="Đổi giá").click()
    expect(card.locator(".price")).to_have_text("18.000 đ / bó")
    assert page.evaluate("window.__marker") == 1
    assert_fits_phone(page)
    shot(page, "06-products-edited")

    card.get_by_role("link", name="Rau muống Cát Hải").click()
    expect(page).to_have_url(re.compile(rf"/p/{product_id}$"))
    expect(page.get_by_role("heading", name="Rau muống Cát Hải")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("18.000 đ")
    expect(main).to_contain_text("Đặc khu Cát Hải")
    expect(main).to_contain_text("VietGAP")
    photo = page.locator("img.photo-main")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    box = photo.bounding_box()
    assert abs(box["height"] - box["width"] * 3 / 4) < 2, f"the photo is not 4:3 but {box}"
    assert_fits_phone(page)
    shot(page, "07-public")


def test_bad_price_keeps_values_and_explains(phone: Page, shot):
    page = phone
    register(page, "0987 654 321")
    page.goto("/products/new")
    page.get_by_label("Tên sản phẩm").fill("Na dai")
    page.get_by_label("Đơn vị").select_option(label="kg")
    page.get_by_label("Giá (đồng)").fill("abc")
    page.get_by_label("Số lượng có").fill("7")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/products/new")
    ) as answer:
        page.get_by_role("button", name="Đăng sản phẩm", exact=True).click()
    assert answer.value.status == 422

    expect(page.get_by_label("Tên sản phẩm")).to_have_value("Na dai")
    expect(page.get_by_label("Giá (đồng)")).to_have_value("abc")
    expect(page.get_by_label("Số lượng có")).to_have_value("7")
    expect(page.get_by_label("Đơn vị")).to_have_value("kg")
    # The message sits right under the price field.
    error = page.locator("#price_vnd + .error")
    expect(error).to_have_text("Giá phải là số đồng lớn hơn 0 và không quá 1.000.000.000 đ.")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_fits_phone(page)
    shot(page, "08-bad-price")
