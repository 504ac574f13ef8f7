"""Web Push in a real headless Chromium at 390×844 (issue 21): the household turns notifications on
from /messages, the service worker at /sw.js (scope "/") is registered and the browser's
subscription is stored for its account; a push delivered to the worker shows the message, and a
tap takes the household's tab to the message's page.

Offline, Chromium has no push service to subscribe with (its own is Google's FCM), so the page's
``PushManager.subscribe`` is given a subscription of the Web Push simulator instead (a real P-256
key pair and auth secret, as a browser makes). A push is delivered to the worker by DevTools
(``ServiceWorker.deliverPushMessage``, what its "Push" button does: a trusted ``push`` event). No
tool taps a notification, so the tap's logic (``openLink``) is called inside the worker.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading

import httpx
import pytest
from playwright.sync_api import Page, expect

from agrimarket.messages.channel import Outgoing
from agrimarket.tables import PushSubscription
from integrations.channels.webpush import payload
from tests.browser.conftest import sign_in
from tests.browser.test_phone_flow import PASSWORD, assert_fits_phone
from tests.factories import CAT_HAI, new_phone

pytestmark = pytest.mark.browser

# The simulated push service's subscription in place of FCM's (see the module's docstring).
SIMULATED_PUSH_SERVICE = """
(() => {
  // Kept across pages like a browser's own subscription.
  const KEPT = "simulated-push-subscription";
  const wrap = (made) => made && {
    endpoint: made.endpoint,
    toJSON: () => made,
    unsubscribe: async () => { localStorage.removeItem(KEPT); return true; },
  };
  PushManager.prototype.subscribe = async function () {
    const made = await (await fetch("/sim/webpush/subscribe", { method: "POST" })).json();
    localStorage.setItem(KEPT, JSON.stringify(made));
    return wrap(made);
  };
  PushManager.prototype.getSubscription = async function () {
    return wrap(JSON.parse(localStorage.getItem(KEPT) || "null"));
  };
})();
"""


def stored_subscriptions() -> list[dict]:
    """The push subscriptions in the database, read from a thread of its own (Playwright's sync API
    holds this one's event loop)."""
    found: list[list[dict]] = []
    reader = threading.Thread(target=lambda: found.append(asyncio.run(PushSubscription.select().run())))
    reader.start()
    reader.join(10)
    return found[0]


def signed_in_household(page: Page, base_url: str) -> int:
    phone = new_phone()
    made = httpx.post(
        f"{base_url}/api/v1/auth/register",
        json={"phone": phone, "password": PASSWORD, "full_name": "Vàng Thị Mỷ", "commune_code": CAT_HAI},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    sign_in(page, phone, PASSWORD)
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    return made.json()["user"]["id"]


def test_the_sw_script_is_served_at_the_root_for_the_whole_site(messages_server):
    answer = httpx.get(f"{messages_server}/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["service-worker-allowed"] == "/"
    assert answer.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert 'addEventListener("push"' in answer.text and 'addEventListener("notificationclick"' in answer.text
    again = httpx.get(f"{messages_server}/sw.js", headers={"if-none-match": answer.headers["etag"]})
    assert again.status_code == 304


def worker_registration(page) -> dict:
    """The page's service worker, once it controls the page (a few seconds at most: not forever)."""
    return page.evaluate(
        """async () => {
            const r = await navigator.serviceWorker.ready;
            if (!navigator.serviceWorker.controller) {
                await Promise.race([
                    new Promise((done) =>
                        navigator.serviceWorker.addEventListener("controllerchange", done, { once: true })),
                    new Promise((done) => setTimeout(done, 5000)),
                ]);
            }
            return { scope: r.scope, script: r.active.scriptURL,
                     controlled: Boolean(navigator.serviceWorker.controller) };
        }"""
    )


def test_a_household_turns_on_notifications_and_a_push_shows_and_opens_its_message(
    messages_phone: Page, messages_server: str, shot
):
    page = messages_phone
    page.context.grant_permissions(["notifications"], origin=messages_server)
    page.add_init_script(SIMULATED_PUSH_SERVICE)
    user_id = signed_in_household(page, messages_server)

    page.goto("/messages")
    box = page.locator("#push")
    expect(box).to_have_attribute("data-ready", "true")
    on = page.get_by_role("button", name="Bật thông báo trên điện thoại này")
    assert_fits_phone(page)
    shot(page, "push-01-off")
    on.click()
    expect(page.get_by_role("status").filter(has_text="Đã bật thông báo")).to_be_visible()
    expect(page.get_by_role("button", name="Tắt thông báo trên điện thoại này")).to_be_visible()
    expect(on).to_be_hidden()
    shot(page, "push-02-on")

    registration = worker_registration(page)
    if not registration["controlled"]:
        # Chromium claims only the pages ready when the worker activates; one still loading then is
        # taken over at its next load, as the household's next visit would be.
        page.reload()
        registration = worker_registration(page)
    assert registration == {
        "scope": f"{messages_server}/",
        "script": f"{messages_server}/sw.js",
        "controlled": True,
    }
    stored = stored_subscriptions()
    assert len(stored) == 1 and stored[0]["user"] == user_id
    assert stored[0]["endpoint"].startswith(f"{messages_server}/sim/webpush/push/")

    # A push as the webpush channel sends it, delivered to the worker as a trusted event.
    sent = Outgoing(
        message_id=77,
        kind="order_received",
        phone="0912345678",
        text="Đơn mới từ Voso: 2 kg bưởi, giao trước 17:00.",
        link=f"{messages_server}/orders",
    )
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("true")  # let the enable's events arrive
    ours = next(r for r in registrations if r["scopeURL"] == f"{messages_server}/")
    # CDP hands the push to the worker and answers at once; a worker still starting may miss it,
    # as a phone may miss one a push service then sends again: deliver again until it shows.
    for _ in range(3):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": messages_server,
                "registrationId": ours["registrationId"],
                "data": payload(sent).decode(),
            },
        )
        # wait_for_function does not await an async predicate: the page asks the worker until the
        # notification is there (at most 2 s).
        shown = page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.ready;
                for (let tries = 0; tries < 40; tries++) {
                    const found = await registration.getNotifications();
                    if (found.length) {
                        return found.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
                    }
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
                return null;
            }"""
        )
        if shown:
            break
    assert shown == [
        {
            "title": "Chợ Nông Sản",
            "body": sent.text,
            "tag": "message-77",
            "data": {"url": f"{messages_server}/orders"},
        }
    ]

    # The tap: the household's open tab (controlled by the worker) is taken to the message's page.
    worker = page.context.service_workers[0]
    worker.evaluate("url => openLink(url)", f"{messages_server}/orders")
    expect(page).to_have_url(re.compile(r"/orders$"))

    # Turned off again: the subscription is forgotten on the server too.
    page.goto("/messages")
    expect(box).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Tắt thông báo trên điện thoại này").click()
    expect(page.get_by_role("status").filter(has_text="Đã tắt thông báo")).to_be_visible()
    expect(on).to_be_visible()
    assert stored_subscriptions() == []


def test_the_workers_push_logic_keeps_to_our_own_pages(messages_phone: Page, messages_server: str):
    page = messages_phone
    signed_in_household(page, messages_server)
    page.goto("/messages")
    expect(page.locator("#push")).to_have_attribute("data-ready", "true")
    worker = page.context.service_workers[0]
    origin = messages_server
    evil = worker.evaluate(
        "text => notificationFor(text)", json.dumps({"body": "x", "url": "https://evil.example/p?q=1"})
    )
    assert evil["title"] == "Chợ Nông Sản" and evil["options"]["data"]["url"] == f"{origin}/p?q=1"
    garbled = worker.evaluate("text => notificationFor(text)", "không phải JSON")
    assert (
        garbled["options"]["body"] == "không phải JSON"
        and garbled["options"]["data"]["url"] == f"{origin}/messages"
    )
    empty = worker.evaluate("() => notificationFor('')")
    assert empty["title"] == "Chợ Nông Sản" and empty["options"]["data"]["url"] == f"{origin}/messages"
