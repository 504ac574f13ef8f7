"""Each message channel against its simulator over real HTTP: Zalo ZNS's tokens and refusals,
eSMS's duplicate guard, Web Push's encrypted payload, and faults."""

from __future__ import annotations

import httpx
import pytest

from agrimarket.messages.channel import Outgoing, Refused, TryLater
from integrations.channels.settings import DEV_VAPID_PRIVATE
from integrations.channels.sms import SmsChannel
from integrations.channels.webpush import WebPushChannel
from integrations.channels.zalo import ZaloChannel
from integrations.simulators.clock import SimClock


def message(message_id: int = 7, phone: str = "0912345678", kind: str = "order_received") -> Outgoing:
    return Outgoing(
        message_id=message_id,
        kind=kind,
        phone=phone,
        text="Đơn hàng mới trên Voso: VS1, 120.000 đ.",
        link="http://testserver.local/orders",
        params={"order": "VS1", "amount": "120.000 đ"},
    )


def zalo(sim, clock=None, templates=None) -> ZaloChannel:
    config = sim.state.zalo
    return ZaloChannel(
        sim.url,
        sim.url,
        config.app_id,
        config.app_secret,
        config.first_refresh_token,
        templates or {"order_received": "sim-order_received", "training": "sim-refused"},
        timeout_s=0.5,
        clock=clock or sim.state.now,
    )


async def test_zns_sends_the_template_to_the_84_phone_with_our_id_as_tracking_id(channel_sims):
    sim = channel_sims["zalo"]
    channel = zalo(sim)
    try:
        sent = await channel.send(message())
        await channel.send(message(8))
    finally:
        await channel.aclose()
    assert sent.provider_id.startswith("zns")
    first = sim.state.outbox[0]
    assert (first["phone"], first["template_id"], first["tracking_id"]) == (
        "84912345678",
        "sim-order_received",
        "7",
    )
    assert first["template_data"] == {"order": "VS1", "amount": "120.000 đ"}
    assert sim.state.refreshes == 1, "the access token is reused until it runs out"
    assert sim.state.zalo.first_refresh_token not in sim.state.refresh_tokens, "a refresh token works once"


async def test_zns_renews_when_expires_in_runs_out_and_keeps_the_new_refresh_token(channel_sims):
    sim = channel_sims["zalo"]
    sim.state.zalo.token_lifetime_s = 1000  # not Zalo's usual 25 h: the client must read expires_in
    clock = SimClock()
    sim.state.config.clock = clock
    channel = zalo(sim, clock=clock)
    try:
        await channel.send(message(1))
        clock.advance(1000)
        await channel.send(message(2))
        clock.advance(1000)
        await channel.send(message(3))
    finally:
        await channel.aclose()
    assert sim.state.refreshes == 3
    assert len(sim.state.outbox) == 3


async def test_zns_refusals_are_answered_as_zalo_does_and_classified(channel_sims):
    sim = channel_sims["zalo"]
    sim.state.zalo.phones_without_zalo.add("84912340000")
    channel = zalo(sim)
    try:
        with pytest.raises(Refused) as no_zalo:
            await channel.send(message(1, phone="0912340000"))
        with pytest.raises(Refused) as not_approved:
            await channel.send(message(2, kind="training"))
        with pytest.raises(Refused) as no_template:
            await channel.send(message(3, kind="stock_out"))
    finally:
        await channel.aclose()
    assert no_zalo.value.code == "-118" and "Zalo" in no_zalo.value.reason
    assert not_approved.value.code == "-117"
    assert no_template.value.code == "no_template"
    assert sim.state.outbox == []


async def test_a_zns_answer_lost_then_resent_reaches_the_phone_once(channel_sims):
    sim = channel_sims["zalo"]
    channel = zalo(sim)
    try:
        await channel.send(message(1))  # token in hand
        sim.state.config.faults.drop_rate = 1.0
        with pytest.raises(TryLater):
            await channel.send(message(2))
        sim.state.config.faults.drop_rate = 0.0
        await channel.send(message(2))
    finally:
        await channel.aclose()
    assert [m["tracking_id"] for m in sim.state.outbox] == ["1", "2"]


async def test_zns_errors_and_timeouts_are_try_later(channel_sims):
    sim = channel_sims["zalo"]
    channel = zalo(sim)
    try:
        await channel.send(message(1))
        sim.state.config.faults.error_rate = 1.0
        with pytest.raises(TryLater):
            await channel.send(message(2))
        sim.state.config.faults.error_rate, sim.state.config.faults.timeout_rate = 0.0, 1.0
        sim.state.config.faults.hang_s = 1.0
        with pytest.raises(TryLater):
            await channel.send(message(3))
    finally:
        await channel.aclose()


def sms(sim, brandname: str = "NONGSAN") -> SmsChannel:
    config = sim.state.sms
    return SmsChannel(sim.url, config.api_key, config.secret_key, brandname, timeout_s=0.5)


async def test_sms_sends_once_per_request_id_even_when_the_answer_was_lost(channel_sims):
    sim = channel_sims["sms"]
    channel = sms(sim)
    try:
        sim.state.config.faults.drop_rate = 1.0
        with pytest.raises(TryLater):
            await channel.send(message(5))
        sim.state.config.faults.drop_rate = 0.0
        again = await channel.send(message(5))  # eSMS answers 124: taken before
    finally:
        await channel.aclose()
    assert len(sim.state.outbox) == 1
    sent = sim.state.outbox[0]
    assert sent["Phone"] == "0912345678" and sent["RequestId"] == "5"
    assert sent["Content"].startswith("Đơn hàng mới") and sent["Content"].endswith("/orders")
    assert again.provider_id == ""


async def test_sms_refusals_carry_esms_codes(channel_sims):
    channel = sms(channel_sims["sms"], brandname="KHONGCO")
    try:
        with pytest.raises(Refused) as refused:
            await channel.send(message())
    finally:
        await channel.aclose()
    assert refused.value.code == "104"


async def test_web_push_delivers_an_encrypted_payload_the_subscription_can_read(channel_sims):
    sim = channel_sims["webpush"]
    async with httpx.AsyncClient() as browser:
        subscription = (await browser.post(f"{sim.url}/subscribe")).json()
        gone = (await browser.post(f"{sim.url}/subscribe")).json()
        await browser.delete(gone["endpoint"])
    channel = WebPushChannel(DEV_VAPID_PRIVATE, "mailto:test@example.com", timeout_s=0.5)
    try:
        outgoing = Outgoing(
            message_id=9,
            kind="order_received",
            phone="0912345678",
            text="Đơn hàng mới",
            link="/orders",
            push_subscriptions=(subscription, gone),
        )
        await channel.send(outgoing)
        with pytest.raises(Refused):
            await channel.send(
                Outgoing(message_id=10, kind="x", phone="0912345678", text="t", push_subscriptions=(gone,))
            )
    finally:
        await channel.aclose()
    assert [(m["body"], m["url"], m["topic"]) for m in sim.state.outbox] == [
        ("Đơn hàng mới", "/orders", "m9")
    ]


@pytest.mark.parametrize(
    ("channel", "variable"),
    [
        ("zalo", "MESSAGE_ZALO_OAUTH_URL"),
        ("zalo", "MESSAGE_ZALO_ZNS_URL"),
        ("sms", "MESSAGE_SMS_URL"),
        ("webpush", "MESSAGE_VAPID_PRIVATE_KEY"),
    ],
)
def test_an_enabled_channel_without_its_url_or_keys_stops_start_up_outside_development(
    monkeypatch, channel, variable
):
    from agrimarket.settings import SettingsError
    from integrations.channels.settings import ChannelSettings

    monkeypatch.delenv("INTEGRATIONS_SIMULATORS", raising=False)
    monkeypatch.setenv("MESSAGE_CHANNELS", channel)
    for name, value in {
        "MESSAGE_ZALO_OAUTH_URL": "https://oauth.zaloapp.com",
        "MESSAGE_ZALO_ZNS_URL": "https://business.openapi.zalo.me",
        "MESSAGE_ZALO_APP_SECRET": "a-real-secret",
        "MESSAGE_ZALO_REFRESH_TOKEN": "a-real-refresh-token",
        "MESSAGE_ZALO_OA_SECRET_KEY": "a-real-oa-secret",
        "MESSAGE_SMS_URL": "https://rest.esms.vn",
        "MESSAGE_ESMS_SECRET_KEY": "a-real-esms-secret",
        "MESSAGE_VAPID_PRIVATE_KEY": "a-real-vapid-key",
    }.items():
        monkeypatch.setenv(name, value)
    assert ChannelSettings.from_env("production").channels == (channel,)
    monkeypatch.delenv(variable)
    with pytest.raises(SettingsError, match=f"{variable} must be set"):
        ChannelSettings.from_env("production")
    monkeypatch.setenv("MESSAGE_CHANNELS", "")
    assert ChannelSettings.from_env("production").channels == ()  # the in-app inbox only


def test_templates_per_kind_are_read_and_a_typo_is_refused(monkeypatch):
    from agrimarket.settings import SettingsError
    from integrations.channels.settings import ChannelSettings

    monkeypatch.setenv("MESSAGE_ZALO_TEMPLATES", "order_received=231677, listing_rejected=231678")
    assert ChannelSettings.from_env("production").templates() == {
        "order_received": "231677",
        "listing_rejected": "231678",
    }
    monkeypatch.setenv("MESSAGE_ZALO_TEMPLATES", "order_recieved=231677")
    with pytest.raises(SettingsError, match="MESSAGE_ZALO_TEMPLATES"):
        ChannelSettings.from_env("production")
