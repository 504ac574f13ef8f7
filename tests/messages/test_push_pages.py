"""The /messages page's Web Push box and its subscription routes (the page's twins of
/api/v1/push-subscriptions, signed in by the session cookie, CSRF-checked): stored for the
household, forgotten on its say-so, a bad subscription a Vietnamese 422 and never a 500."""

from __future__ import annotations

import re

from agrimarket.tables import PushSubscription
from agrimarket.web.static_files import static_url
from integrations.channels.settings import DEV_VAPID_PUBLIC
from tests.agrimarket.test_web_pages import csrf, web_login

KEYS = {"p256dh": "B" + "x" * 86, "auth": "a" * 22}
ENDPOINT = "https://fcm.googleapis.com/fcm/send/page-1"


async def test_the_box_carries_the_key_and_the_routes_keep_and_forget_a_subscription(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    page = await client.get("/messages")
    assert (
        "Bật thông báo trên điện thoại này" in page.text
        and f'<script src="{static_url("push.js")}"' in page.text
    )
    assert re.search(rf'data-key="{DEV_VAPID_PUBLIC}"', page.text)
    token = csrf(page.text)

    kept = await client.post(
        "/messages/push-subscription", data={"_csrf_token": token, "endpoint": ENDPOINT, **KEYS}
    )
    assert kept.status_code == 204, kept.text
    again = await client.post(
        "/messages/push-subscription", data={"_csrf_token": token, "endpoint": ENDPOINT, **KEYS}
    )
    assert again.status_code == 204
    rows = await PushSubscription.select()
    assert len(rows) == 1 and rows[0]["user"] == farmer.me["id"]

    forged = await client.post("/messages/push-subscription/remove", data={"endpoint": ENDPOINT})
    assert forged.status_code == 403  # no CSRF token
    gone = await client.post(
        "/messages/push-subscription/remove", data={"_csrf_token": token, "endpoint": ENDPOINT}
    )
    assert gone.status_code == 204 and await PushSubscription.count() == 0


async def test_a_bad_subscription_is_a_vietnamese_422(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    token = csrf((await client.get("/messages")).text)
    for fields in (
        {"endpoint": "ftp://push.example/x", **KEYS},
        {"endpoint": ENDPOINT},
        {"endpoint": ENDPOINT, "p256dh": "short", "auth": "a" * 22},
        {"endpoint": "https://" + "x" * 600, **KEYS},
        {},
    ):
        refused = await client.post("/messages/push-subscription", data={"_csrf_token": token, **fields})
        assert refused.status_code == 422, (fields, refused.status_code)
        assert "không hợp lệ" in refused.text
    assert await PushSubscription.count() == 0
