"""A live server over real HTTP and a headless Chromium sized like a phone.

The app runs under uvicorn in a thread with its own event loop, on the test database
(tests/conftest.py sets the environment at import). Playwright's sync API marks its own
loop as running in the main thread while it is started, so it is kept per test and
stopped before the autouse async ``clean_tables`` fixture finishes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from integrations.simulators.serving import local_socket, start_in_thread, url_of
from tests.preconditions import missing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium hangs on an offline machine.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN", "is_mobile": True, "has_touch": True}
SHOTS = Path(os.environ.get("BROWSER_SHOTS_DIR", "/tmp/shots"))  # noqa: S108 - screenshots to look at


@contextlib.contextmanager
def served(make_app: Callable[[str], Any]) -> Iterator[str]:
    """Serve ``make_app(base_url)`` under uvicorn on a free local port; yields the base URL."""
    sock = local_socket()
    base_url = url_of(sock)
    server, thread = start_in_thread(make_app(base_url), sock, log_level="warning", proxy_headers=False)
    try:
        _wait_healthy(f"{base_url}/healthz", thread)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@contextlib.contextmanager
def phone_page(browser, base_url: str) -> Iterator[Any]:
    """A fresh page in a phone-sized context whose relative URLs go to ``base_url``."""
    from playwright.sync_api import expect

    expect.set_options(timeout=5_000)
    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(5_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page, phone: str, password: str) -> None:
    """Sign in on /login as a farmer does: phone, password, the button."""
    page.goto("/login")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu").fill(password)
    page.locator("main").get_by_role("button", name="Đăng nhập").click()


@pytest.fixture(scope="session")
def live_server(settings) -> Iterator[str]:
    """Base URL of the app served by uvicorn on a free local port."""
    from agrimarket.app import create_app

    with served(lambda base_url: create_app(dataclasses.replace(settings, public_base_url=base_url))) as url:
        yield url


def _wait_healthy(url: str, thread: threading.Thread, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the live server stopped while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http URL
                if response.status == 200:
                    return
        except OSError as exc:
            last_error = exc
        time.sleep(0.05)
    raise RuntimeError(f"the live server did not answer {url}: {last_error}")


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        missing(f"Chromium not found at {CHROMIUM} (make browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(browser, live_server):
    """A fresh page in a phone-sized context whose relative URLs go to the live server."""
    with phone_page(browser, live_server) as page:
        yield page


@pytest.fixture
def shot():
    """shot(page, "name"): a full-page screenshot to /tmp/shots/name.png, to look at by hand."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def messages_server(settings) -> Iterator[str]:
    """The app with its message worker in-process and the channel simulators mounted (/sim/zalo,
    /sim/sms, /sim/webpush), as ``make run`` has them, on a free local port."""
    from agrimarket.app import create_app
    from agrimarket.messages.settings import MessageSettings
    from integrations.channels.settings import ChannelSettings

    def make_app(base_url: str):
        served_settings = dataclasses.replace(settings, public_base_url=base_url)
        messages = dataclasses.replace(
            served_settings.section(MessageSettings), worker="inprocess", poll_seconds=0.05
        )
        channels = dataclasses.replace(
            served_settings.section(ChannelSettings), enabled_raw="zalo,sms,webpush", simulators=True
        )
        return create_app(served_settings.with_section(messages).with_section(channels))

    with served(make_app) as url:
        yield url


@pytest.fixture
def messages_phone(browser, messages_server):
    """A phone-sized page on ``messages_server``."""
    with phone_page(browser, messages_server) as page:
        yield page
