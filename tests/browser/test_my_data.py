"""A farmer on a phone (390x844) finds "My data" from the footer, downloads it, and gives then
withdraws an optional consent with one tap each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_phone_flow import assert_fits_phone, register

pytestmark = pytest.mark.browser


def test_a_farmer_downloads_my_data_on_a_phone(phone: Page, shot):
    page = phone
    number = "0912 777 001"
    register(page, number, name="Trần Văn Bảy")
    page.locator("footer").get_by_role("link", name="Dữ liệu của tôi").click()
    expect(page.get_by_role("heading", name="Dữ liệu của tôi")).to_be_visible()
    assert_fits_phone(page)
    shot(page, "my-data")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Tải về (CSV, mở bằng Excel)").click()
    csv_path = csv_download.value.path()
    assert csv_download.value.suggested_filename == "du-lieu-cua-toi.csv"
    text = Path(csv_path).read_text(encoding="utf-8-sig")
    assert text.startswith("section,row,field,value")
    assert "0912777001" in text and "Trần Văn Bảy" in text and "auth_session" in text

    with page.expect_download() as json_download:
        page.get_by_role("link", name="Tải về (JSON)").click()
    body = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert {s["key"] for s in body["sections"] if s["rows"]} >= {"app_user", "household", "consent"}

    training = page.locator("#consent-training_messages")
    expect(training).to_contain_text("Chưa đồng ý")
    training.get_by_role("button", name="Đồng ý").click()
    expect(page.locator("#consent-training_messages")).to_contain_text("Đang đồng ý")
    button = page.locator("#consent-training_messages").get_by_role("button", name="Rút lại")
    assert button.bounding_box()["height"] >= 44, "one tap needs a button a thumb can hit"
    button.click()
    expect(page.locator("#consent-training_messages")).to_contain_text("Chưa đồng ý")
    assert_fits_phone(page)
