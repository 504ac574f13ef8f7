"""Messages from events to phones, over real HTTP against the channel simulators: one message per
event, written with it; Zalo first, SMS when Zalo refuses; faults and a worker killed mid-send lose
nothing and duplicate nothing; quiet hours, preferences and the daily cap; the admin's log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agrimarket import clock
from agrimarket.db import write_transaction
from agrimarket.events import ListingStateChanged, OrderReceived, publish
from agrimarket.messages import outbox
from agrimarket.tables import Message, MessageDelivery, SharedValue
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.messages.conftest import drain


async def order(household_id: int, order_id: int = 1) -> None:
    async with write_transaction():
        await publish(
            OrderReceived(
                order_id=order_id,
                marketplace="voso",
                order_ref=f"VS{order_id:04d}",
                household_id=household_id,
                cooperative_id=None,
                status="placed",
                amount_vnd=120000,
            )
        )


async def rejection(household_id: int, listing_id: int = 1, product_id: int = 1) -> None:
    async with write_transaction():
        await publish(
            ListingStateChanged(
                listing_id=listing_id,
                product_id=product_id,
                marketplace_id=1,
                household_id=household_id,
                cooperative_id=None,
                from_state="pending",
                to_state="rejected",
                reason="Ảnh sản phẩm mờ.",
            )
        )


def zalo_phone(phone: str) -> str:
    return "84" + phone[1:]


async def test_a_new_order_reaches_the_household_by_zalo_and_waits_in_its_inbox(
    client, accounts, delivery, channel_sims
):
    farmer = await accounts.household()
    await order(farmer.me["household_id"], 7)
    message = await Message.select().first()
    assert message["text"] == "Đơn hàng mới trên Voso: mã VS0007, 120.000 đ."
    assert (await MessageDelivery.select().first())["status"] == "queued"  # written with the event

    await drain(delivery)
    zns = channel_sims["zalo"].state.outbox
    assert [(m["phone"], m["template_id"], m["tracking_id"]) for m in zns] == [
        (zalo_phone(farmer.phone), "sim-order_received", str(message["id"]))
    ]
    assert zns[0]["template_data"]["order_ref"] == "VS0007"
    assert channel_sims["sms"].state.outbox == []

    inbox = (await client.get("/api/v1/messages", headers=farmer.headers)).json()
    assert [(m["text"], m["read"], m["link"]) for m in inbox] == [(message["text"], False, "/orders")]
    assert (await client.get("/api/v1/messages/unread-count", headers=farmer.headers)).json() == {"unread": 1}
    read = await client.post(f"/api/v1/messages/{message['id']}/read", headers=farmer.headers)
    assert read.status_code == 200, read.text
    assert (await client.get("/api/v1/messages/unread-count", headers=farmer.headers)).json() == {"unread": 0}


async def test_another_household_neither_sees_nor_marks_the_message(client, accounts, delivery):
    farmer, neighbour = await accounts.household(), await accounts.household()
    await order(farmer.me["household_id"])
    message = await Message.select().first()
    assert (await client.get("/api/v1/messages", headers=neighbour.headers)).json() == []
    refused = await client.post(f"/api/v1/messages/{message['id']}/read", headers=neighbour.headers)
    assert refused.status_code == 404
    assert "tin nhắn" in refused.json()["error"]["message"]


async def test_an_event_rolled_back_leaves_no_message(accounts, client):
    farmer = await accounts.household()
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await publish(
                OrderReceived(
                    order_id=1,
                    marketplace="voso",
                    order_ref="VS1",
                    household_id=farmer.me["household_id"],
                    cooperative_id=None,
                    status="placed",
                    amount_vnd=1000,
                )
            )
            raise RuntimeError("the order's own write failed")
    assert await Message.count() == 0 and await MessageDelivery.count() == 0


async def test_the_same_event_twice_makes_one_message(accounts, client):
    farmer = await accounts.household()
    await order(farmer.me["household_id"], 3)
    await order(farmer.me["household_id"], 3)
    assert await Message.count() == 1


async def test_a_phone_without_zalo_gets_the_message_by_sms(client, accounts, delivery, channel_sims):
    farmer = await accounts.household()
    channel_sims["zalo"].state.zalo.phones_without_zalo.add(zalo_phone(farmer.phone))
    await order(farmer.me["household_id"])
    await drain(delivery)
    assert channel_sims["zalo"].state.outbox == []
    sms = channel_sims["sms"].state.outbox
    assert [(m["Phone"], m["RequestId"]) for m in sms] == [
        (farmer.phone, str((await Message.select().first())["id"]))
    ]
    assert sms[0]["Content"].startswith("Đơn hàng mới trên Voso") and sms[0]["Content"].endswith("/orders")

    admin = await accounts.staff("admin")
    log = (await client.get("/api/v1/admin/messages", headers=admin.headers)).json()
    assert [(m["status"], m["sent_channel"]) for m in log] == [("sent", "sms")]
    assert any("-118" in entry["result"] for entry in log[0]["log"])
    refused = await client.get("/api/v1/admin/messages", headers=farmer.headers)
    assert refused.status_code == 403
    await web_login(client, admin.phone)
    page = await client.get("/admin/messages?status=sent")
    assert page.status_code == 200 and "-118" in page.text and farmer.phone in page.text


async def test_a_template_zalo_refuses_falls_back_to_sms(client, accounts, delivery, channel_sims):
    channel_sims["zalo"].state.zalo.refused_templates.add("sim-order_received")
    farmer = await accounts.household()
    await order(farmer.me["household_id"])
    await drain(delivery)
    assert len(channel_sims["sms"].state.outbox) == 1
    row = await MessageDelivery.select().first()
    assert row["sent_channel"] == "sms" and "-117" in str(row["log"])


async def test_faults_lose_no_message_and_duplicate_none(client, accounts, delivery, channel_sims):
    farmers = [await accounts.household() for _ in range(3)]
    for sim in (channel_sims["zalo"], channel_sims["sms"]):
        faults = sim.state.config.faults
        faults.error_rate, faults.drop_rate, faults.timeout_rate, faults.hang_s = 0.1, 0.1, 0.1, 0.6
    number = iter(range(1, 100))
    for farmer in farmers:
        for _ in range(8):
            await order(farmer.me["household_id"], next(number))
    await drain(delivery, concurrency=4)
    ids = {str(m["id"]) for m in await Message.select(Message.id)}
    assert len(ids) == 24
    assert await MessageDelivery.count().where(MessageDelivery.status == "sent") == 24
    sent = [m["tracking_id"] for m in channel_sims["zalo"].state.outbox]
    assert sorted(sent) == sorted(ids), "a message was lost or sent twice"
    assert sum(channel_sims["zalo"].state.injected.values()) > 0, "no fault was played"


async def test_a_worker_killed_mid_send_leaves_the_message_to_another_which_does_not_repeat_it(
    client, accounts, delivery, channel_sims, monkeypatch
):
    farmer = await accounts.household()
    await order(farmer.me["household_id"])
    # The first worker claims it, hands it to Zalo, and dies before recording anything.
    claimed = await outbox.claim(lease_s=30)
    assert claimed is not None
    message = await Message.select().first()
    channel = delivery.gateway.get("zalo")
    await channel.send(await delivery._outgoing(claimed, message, "zalo"))
    assert await delivery.run_one() is False, "the lease still holds"
    later = clock.now() + timedelta(seconds=31)  # the lease has run out: the clock moved, not waited on
    monkeypatch.setattr(clock, "now", lambda: later)
    await drain(delivery)  # another worker takes it
    assert [m["tracking_id"] for m in channel_sims["zalo"].state.outbox] == [str(message["id"])]
    assert (await MessageDelivery.select().first())["status"] == "sent"


def at_vietnam(hour: int, minute: int = 0, days: int = 0) -> datetime:
    local = datetime.now(clock.VIETNAM).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return (local + timedelta(days=days)).astimezone(UTC)


async def test_quiet_hours_hold_a_rejection_until_morning_but_not_an_order(
    client, accounts, delivery, channel_sims, monkeypatch
):
    farmer = await accounts.household()
    household = farmer.me["household_id"]
    night = at_vietnam(22, 30)
    monkeypatch.setattr(clock, "now", lambda: night)
    await rejection(household)
    await order(household)
    await drain(delivery)
    assert [m["template_id"] for m in channel_sims["zalo"].state.outbox] == ["sim-order_received"]
    held = await MessageDelivery.select().where(MessageDelivery.status == "queued").first()
    assert held is not None and "giờ yên tĩnh" in str(held["log"])
    # The next 06:00 after the moment the clock showed (not after the real one, which may have
    # passed Vietnam's midnight meanwhile).
    morning = (clock.to_local(night) + timedelta(days=1)).replace(hour=6, minute=0)
    assert held["next_attempt_at"] == morning.timestamp()

    morning = morning + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: morning)
    await drain(delivery)
    assert [m["template_id"] for m in channel_sims["zalo"].state.outbox] == [
        "sim-order_received",
        "sim-listing_rejected",
    ]
    assert channel_sims["zalo"].state.outbox[1]["template_data"]["reason"] == "Ảnh sản phẩm mờ."


async def test_preferences_choose_the_channel_and_the_kinds_sent_to_the_phone(
    client, accounts, delivery, channel_sims
):
    farmer = await accounts.household()
    saved = await client.put(
        "/api/v1/messages/preferences",
        json={"channel": "sms", "muted_kinds": ["listing_rejected"]},
        headers=farmer.headers,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["channel"] == "sms" and saved.json()["muted_kinds"] == ["listing_rejected"]
    await order(farmer.me["household_id"])
    await rejection(farmer.me["household_id"])
    await drain(delivery)
    assert channel_sims["zalo"].state.outbox == []
    assert len(channel_sims["sms"].state.outbox) == 1
    statuses = {row["status"] for row in await MessageDelivery.select(MessageDelivery.status)}
    assert statuses == {"sent", "inbox"}
    assert len((await client.get("/api/v1/messages", headers=farmer.headers)).json()) == 2

    bad = await client.put(
        "/api/v1/messages/preferences", json={"channel": "fax", "muted_kinds": []}, headers=farmer.headers
    )
    assert bad.status_code == 422
    unknown = await client.put(
        "/api/v1/messages/preferences",
        json={"channel": "zalo", "muted_kinds": ["spam"]},
        headers=farmer.headers,
    )
    assert unknown.status_code == 422 and "muted_kinds[0]" in unknown.json()["error"]["fields"]


async def test_the_daily_cap_keeps_the_rest_in_the_inbox(
    client, accounts, delivery, channel_sims, msg_settings
):
    import dataclasses

    delivery.settings = dataclasses.replace(delivery.settings, daily_cap=2)
    farmer = await accounts.household()
    for number in range(1, 4):
        await order(farmer.me["household_id"], number)
    await drain(delivery)
    assert len(channel_sims["zalo"].state.outbox) == 2
    statuses = sorted(row["status"] for row in await MessageDelivery.select(MessageDelivery.status))
    assert statuses == ["capped", "sent", "sent"]


async def test_the_zalo_tokens_are_shared_through_the_database_encrypted(
    client, accounts, delivery, channel_sims, msg_settings
):
    from integrations.plugin import build_channels

    farmer = await accounts.household()
    await order(farmer.me["household_id"], 1)
    await drain(delivery)
    stored = await SharedValue.select().where(SharedValue.key == "zalo-oa-tokens").first()
    access = next(iter(channel_sims["zalo"].state.access_tokens))
    assert stored is not None and access.encode() not in bytes(stored["value"])
    # Another process's channels use the stored token: no second renewal of the single-use token.
    other = build_channels(msg_settings)
    try:
        delivery.gateway, saved = other, delivery.gateway
        await order(farmer.me["household_id"], 2)
        await drain(delivery)
    finally:
        delivery.gateway = saved
        await other.aclose()
    assert channel_sims["zalo"].state.refreshes == 1
    assert len(channel_sims["zalo"].state.outbox) == 2


async def test_a_training_recorded_by_an_officer_tells_the_attending_household(client, accounts):
    farmer = await accounts.household()
    # Training messages are an optional purpose of the privacy notice (issue 26): sent with consent only.
    given = await client.put(
        "/api/v1/me/consents", json={"granted": ["training_messages"]}, headers=farmer.headers
    )
    assert given.status_code == 200, given.text
    officer = await accounts.staff("officer")
    recorded = await client.post(
        "/api/v1/trainings",
        json={
            "held_on": clock.today().isoformat(),
            "commune_code": "11914",
            "topic": "Bán hàng trên sàn",
            "trainer": "Cán bộ xã",
            "phones": [farmer.phone],
        },
        headers=officer.headers,
    )
    assert recorded.status_code == 201, recorded.text
    inbox = (await client.get("/api/v1/messages", headers=farmer.headers)).json()
    assert [m["text"] for m in inbox] == [
        f"Đã ghi nhận hộ tham gia tập huấn «Bán hàng trên sàn» ngày {clock.today():%d/%m/%Y}."
    ]


async def test_the_inbox_page_shows_the_messages_and_the_bell_counts_them(client, accounts):
    farmer = await accounts.household()
    await order(farmer.me["household_id"], 5)
    await web_login(client, farmer.phone)
    bell = await client.get("/messages/bell")
    assert bell.status_code == 200 and '<span class="badge">1</span>' in bell.text
    page = await client.get("/messages")
    assert page.status_code == 200 and "VS0005" in page.text and "Cách nhận tin" in page.text
    assert 'hx-get="/messages/bell"' in page.text
    message = await Message.select().first()
    read = await client.post(
        f"/messages/{message['id']}/read", data={"_csrf_token": csrf(page.text)}, follow_redirects=False
    )
    assert read.status_code in (302, 303), read.text
    assert "badge" not in (await client.get("/messages/bell")).text
    saved = await client.post(
        "/messages/preferences",
        data={"_csrf_token": csrf(page.text), "channel": "sms", "muted_kinds": ["training", "stock_out"]},
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303), saved.text
    muted = (await client.get("/api/v1/messages/preferences", headers=farmer.headers)).json()["muted_kinds"]
    assert sorted(muted) == ["stock_out", "training"]


async def test_a_household_that_chose_browser_notifications_gets_them_by_web_push(
    client, accounts, delivery, channel_sims
):
    import httpx

    from agrimarket.errors import Invalid
    from agrimarket.messages.push import _check_endpoint

    farmer = await accounts.household()
    key = (await client.get("/api/v1/push-subscriptions/key", headers=farmer.headers)).json()["public_key"]
    assert key.startswith("B")
    async with httpx.AsyncClient() as browser:
        subscription = (await browser.post(f"{channel_sims['webpush'].url}/subscribe")).json()
    kept = await client.post("/api/v1/push-subscriptions", json=subscription, headers=farmer.headers)
    assert kept.status_code == 201, kept.text
    await client.put(
        "/api/v1/messages/preferences", json={"channel": "push", "muted_kinds": []}, headers=farmer.headers
    )
    await order(farmer.me["household_id"], 9)
    await drain(delivery)
    pushed = channel_sims["webpush"].state.outbox
    assert [m["body"] for m in pushed] == ["Đơn hàng mới trên Voso: mã VS0009, 120.000 đ."]
    assert pushed[0]["url"] == "http://testserver.local/orders"
    assert channel_sims["zalo"].state.outbox == []
    # Outside development the server calls only the browsers' push services.
    with pytest.raises(Invalid):
        _check_endpoint(subscription["endpoint"], "production")
    _check_endpoint("https://fcm.googleapis.com/fcm/send/abc", "production")


async def test_stock_at_zero_on_a_live_listing_tells_the_household_once_a_day(client, accounts, monkeypatch):
    from agrimarket import ports

    farmer = await accounts.household()
    product = await accounts.product(farmer, name="Na dai", stock=2)

    async def live_on_voso(product_id: int) -> list[dict]:
        return [{"name": "Voso", "url": "https://voso.example/item/1"}]

    monkeypatch.setattr(ports.current(), "where_to_buy", live_on_voso)
    for _ in range(2):
        emptied = await client.patch(
            f"/api/v1/products/{product['id']}", json={"stock": 0}, headers=farmer.headers
        )
        assert emptied.status_code == 200, emptied.text
    inbox = (await client.get("/api/v1/messages", headers=farmer.headers)).json()
    assert [m["text"] for m in inbox] == [
        "«Na dai» đã hết hàng nhưng vẫn đang bán trên Voso. Cập nhật số lượng nếu còn hàng."
    ]


async def test_a_cooperative_invitation_reaches_the_invited_household(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    farmer = await accounts.household()
    invited = await client.post(
        f"/api/v1/cooperatives/{coop_id}/invitations", json={"phone": farmer.phone}, headers=manager.headers
    )
    assert invited.status_code == 201, invited.text
    inbox = (await client.get("/api/v1/messages", headers=farmer.headers)).json()
    assert [m["text"] for m in inbox] == [
        "HTX Nông nghiệp 1 mời hộ vào hợp tác xã. Mở ứng dụng để đồng ý hoặc từ chối."
    ]
