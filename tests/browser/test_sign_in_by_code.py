"""A household signs in by a one-time code on a phone (issue 21): it types its phone on
/login/code, the code is read over HTTP from the simulated Zalo outbox the in-process worker
sent it to, and it lands signed in; then it resets a forgotten password the same way and logs in
with the new one. Real headless Chromium at 390×844 against the app served over HTTP."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.test_phone_flow import PASSWORD, assert_fits_phone
from tests.factories import CAT_HAI, new_phone
from tests.waiting import until_sync

pytestmark = pytest.mark.browser
NEW_PASSWORD = "mat-khau-moi-2026"


def zalo_codes(base_url: str, phone: str) -> list[str]:
    """The sign-in codes the simulated Zalo OA has delivered to ``phone`` (0… form), oldest first."""
    outbox = httpx.get(f"{base_url}/sim/zalo/outbox.json", timeout=5).json()
    zalo_phone = "84" + phone[1:]
    return [
        m["template_data"]["otp"] for m in outbox if m["phone"] == zalo_phone and "otp" in m["template_data"]
    ]


def ask_for_a_code(page: Page, base_url: str, phone: str, codes_before: int) -> str:
    page.goto("/login/code")
    expect(page.get_by_role("heading", name="Đăng nhập bằng mã")).to_be_visible()
    page.get_by_label("Số điện thoại").fill(phone)
    assert_fits_phone(page)
    page.get_by_role("button", name="Gửi mã").click()
    expect(page.get_by_role("status")).to_contain_text("mã đăng nhập gồm 6 chữ số")
    codes = until_sync(
        lambda: (found := zalo_codes(base_url, phone))[codes_before:] and found,
        timeout=20,
        every=0.1,
        what="the code in the simulated Zalo outbox",
    )
    code = codes[-1]
    assert re.fullmatch(r"[0-9]{6}", code)
    return code


def signed_in(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/products$"))  # a household's home
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập").first).to_be_visible()


def test_a_household_signs_in_by_a_code_from_zalo_and_resets_its_password(
    messages_phone: Page, messages_server: str, shot
):
    page, phone = messages_phone, new_phone()
    registered = httpx.post(
        f"{messages_server}/api/v1/auth/register",
        json={"phone": phone, "password": PASSWORD, "full_name": "Lò Văn Sáng", "commune_code": CAT_HAI},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text

    code = ask_for_a_code(page, messages_server, phone, codes_before=0)
    shot(page, "code-01-sent")
    page.get_by_label("Mã 6 chữ số").fill(code)
    assert_fits_phone(page)
    page.get_by_role("button", name="Đăng nhập").click()
    signed_in(page)
    log_out(page)

    # A used code is refused with the one answer that reveals nothing.
    ask_for_a_code(page, messages_server, phone, codes_before=1)
    page.get_by_label("Mã 6 chữ số").fill(code)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("Mã không đúng, đã dùng hoặc đã hết hạn")

    # A forgotten password: a fresh code and a new password.
    code = ask_for_a_code(page, messages_server, phone, codes_before=2)
    page.get_by_label("Mã 6 chữ số").fill(code)
    page.get_by_label("Mật khẩu mới (nếu muốn đặt lại)").fill(NEW_PASSWORD)
    shot(page, "code-02-reset")
    page.get_by_role("button", name="Đăng nhập").click()
    signed_in(page)
    log_out(page)

    sign_in(page, phone, PASSWORD)
    expect(page.get_by_role("alert")).to_be_visible()  # the old password no longer works
    page.get_by_label("Mật khẩu").fill(NEW_PASSWORD)
    page.locator("main").get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
