"""Zalo's delivery receipts: the simulator, having sent a ZNS message, POSTs the OA webhook's
signed ``user_received_message`` event over real HTTP to its receipt URL; our webhook checks
``X-ZEvent-Signature`` and marks the delivery delivered, once; the admin's log shows it. A forged,
missing or foreign signature is a 401 in words, a malformed body a 422, never a 500."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from litestar import Litestar, Request, get, post

from agrimarket.tables import Message, MessageDelivery
from integrations.channels import zalo
from integrations.channels.settings import DEV_ZALO_APP_ID, DEV_ZALO_OA_SECRET
from integrations.simulators.state import SimConfig
from integrations.webhooks.zalo_api import ZALO_EVENTS_PATH
from tests.agrimarket.test_web_pages import web_login
from tests.integrations.conftest import LiveSim
from tests.messages.conftest import drain
from tests.messages.test_delivery import order
from tests.waiting import until


def _capture_app(config: SimConfig) -> Litestar:
    """A stand-in for our app's port: keeps each request it is sent (body, signature)."""
    seen: list[tuple[bytes, str]] = []

    @post("/events", status_code=200)
    async def events(request: Request) -> dict:
        seen.append((await request.body(), request.headers.get(zalo.SIGNATURE_HEADER, "")))
        return {}

    @get("/ping")
    async def ping() -> str:
        return "ok"

    app = Litestar([events, ping], openapi_config=None)
    app.state.sim = seen
    return app


@pytest.fixture
def receiver():
    served = LiveSim(SimpleNamespace(create_app=_capture_app, __name__="capture"), SimConfig(), "/ping")
    yield served
    served.close()


def _signed(event: dict, secret: str = DEV_ZALO_OA_SECRET) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    signature = zalo.receipt_signature(event["app_id"], body, str(event["timestamp"]), secret)
    return body, {zalo.SIGNATURE_HEADER: signature, "content-type": "application/json"}


async def test_a_receipt_pushed_by_zalo_marks_the_message_delivered_once(
    client, accounts, delivery, channel_sims, receiver
):
    sim = channel_sims["zalo"].state
    sim.zalo.receipt_url = f"{receiver.url}/events"
    farmer = await accounts.household()
    await order(farmer.me["household_id"], 31)
    await drain(delivery)
    message = await Message.select().first()
    await until(lambda: len(receiver.state) == 1, 10, every=0.02, what="Zalo's receipt over HTTP")
    body, signature = receiver.state[0]
    event = json.loads(body)
    assert event["event_name"] == "user_received_message"
    assert event["message"]["tracking_id"] == str(message["id"])
    assert event["message"]["msg_id"] == sim.outbox[0]["msg_id"]

    headers = {zalo.SIGNATURE_HEADER: signature, "content-type": "application/json"}
    taken = await client.post(ZALO_EVENTS_PATH, content=body, headers=headers)
    assert taken.status_code == 200 and taken.json() == {
        "event_name": "user_received_message",
        "counted": True,
    }
    row = await MessageDelivery.select().first()
    assert row["status"] == "sent" and row["delivered_at"] is not None
    again = await client.post(ZALO_EVENTS_PATH, content=body, headers=headers)
    assert again.status_code == 200 and again.json()["counted"] is False

    admin = await accounts.staff("admin")
    log = (await client.get("/api/v1/admin/messages", headers=admin.headers)).json()
    assert log[0]["delivered_at"] is not None
    await web_login(client, admin.phone)
    page = await client.get("/admin/messages")
    assert page.status_code == 200 and "đã đến máy" in page.text


async def test_a_receipt_found_by_zalos_msg_id_when_it_carries_no_tracking_id(
    client, accounts, delivery, channel_sims
):
    farmer = await accounts.household()
    await order(farmer.me["household_id"], 32)
    await drain(delivery)
    msg_id = channel_sims["zalo"].state.outbox[0]["msg_id"]
    event = {
        "app_id": DEV_ZALO_APP_ID,
        "event_name": "user_received_message",
        "timestamp": "1765000000000",
        "message": {"msg_id": msg_id, "delivery_time": "1765000000000"},
    }
    body, headers = _signed(event)
    taken = await client.post(ZALO_EVENTS_PATH, content=body, headers=headers)
    assert taken.status_code == 200 and taken.json()["counted"] is True
    row = await MessageDelivery.select(MessageDelivery.delivered_at).first()
    assert row["delivered_at"].timestamp() == 1765000000


async def test_forged_missing_or_foreign_signatures_are_refused_in_words(client):
    event = {
        "app_id": DEV_ZALO_APP_ID,
        "event_name": "user_received_message",
        "timestamp": "1765000000000",
        "message": {"msg_id": "zns1", "tracking_id": "1"},
    }
    body, headers = _signed(event, secret="not-the-oa-secret")
    forged = await client.post(ZALO_EVENTS_PATH, content=body, headers=headers)
    assert forged.status_code == 401
    assert "X-ZEvent-Signature" in forged.text and "không hợp lệ" in forged.text
    unsigned = await client.post(ZALO_EVENTS_PATH, content=body, headers={"content-type": "application/json"})
    assert unsigned.status_code == 401
    foreign_body, foreign_headers = _signed(event | {"app_id": "another-app"})
    foreign = await client.post(ZALO_EVENTS_PATH, content=foreign_body, headers=foreign_headers)
    assert foreign.status_code == 401 and "app_id" in foreign.text
    # The body was changed after signing.
    _, good_headers = _signed(event)
    tampered = body.replace(b'"1"', b'"2"')
    assert (await client.post(ZALO_EVENTS_PATH, content=tampered, headers=good_headers)).status_code == 401
    for junk in (b"not json", b"[1, 2]", b'{"app_id": 5}'):
        answer = await client.post(ZALO_EVENTS_PATH, content=junk, headers=headers)
        assert answer.status_code == 422, answer.text
    assert await MessageDelivery.count() == 0


async def test_other_oa_events_are_acknowledged_and_ignored(client):
    event = {"app_id": DEV_ZALO_APP_ID, "event_name": "follow", "timestamp": "1765000000000"}
    body, headers = _signed(event)
    answer = await client.post(ZALO_EVENTS_PATH, content=body, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"event_name": "follow", "counted": False}
