"""Attacks on the marketplaces' signed webhook: replays of a captured request, stale or body-only
signatures, and signed events whose times no datetime can hold (NaN, past year 9999)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from integrations.plugin import IntegrationsPlugin
from integrations.settings import IntegrationsSettings
from integrations.tables import Listing, ListingHistory, MarketplaceOrder, WebhookReceipt
from integrations.webhooks.signature import TOLERANCE_S, sign
from tests.integrations.conftest import drain
from tests.integrations.helpers import connect, product_with_photo, publish

T0 = 1_796_000_000  # 2026-11-30, the clock the app checks signatures against in these tests


def set_clock(client, now: float) -> None:
    client.app.plugins.get(IntegrationsPlugin).webhook_clock.now = lambda: now


def signed(secret: str, event: dict | bytes, at: int) -> tuple[bytes, dict]:
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    return body, {"X-Signature": sign(secret, body, at), "content-type": "application/json"}


async def post(client, body: bytes, headers: dict, code: str = "postmart"):
    return await client.post(f"/api/v1/webhooks/{code}", content=body, headers=headers)


async def _live_listing(client, accounts, worker) -> tuple[dict, dict]:
    farmer = await accounts.household()
    await connect(client, farmer, "postmart")
    product = await product_with_photo(accounts, farmer)
    await publish(client, farmer, product["id"], "postmart")
    await drain(worker)
    listing = await Listing.select().first()
    assert listing["state"] == "live"
    return farmer, listing


async def test_a_captured_takedown_replayed_after_the_farmer_relisted_changes_nothing(
    client, accounts, worker, int_settings
):
    farmer, listing = await _live_listing(client, accounts, worker)
    secret = int_settings.section(IntegrationsSettings).webhook_secret_for("postmart")
    set_clock(client, T0)
    takedown = {"external_id": listing["external_id"], "status": "removed", "reason": "Ảnh sai"}
    body, headers = signed(secret, takedown, T0)
    assert (await post(client, body, headers)).json() == {"ok": True}
    assert (await Listing.select().first())["state"] == "delisted"
    # The farmer fixes the photo and lists again.
    await publish(client, farmer, listing["product"], "postmart")
    await drain(worker)
    assert (await Listing.select().first())["state"] == "live"
    history = await ListingHistory.count()
    # Someone who captured the request sends it again two minutes later: 200, and nothing changes.
    set_clock(client, T0 + 120)
    replay = await post(client, body, headers)
    assert replay.status_code == 200
    assert replay.json() == {"ok": True, "counted": False, "replayed": True}
    assert (await Listing.select().first())["state"] == "live"
    assert await ListingHistory.count() == history
    # After the window the same request is refused outright (and its receipt is gone).
    set_clock(client, T0 + TOLERANCE_S + 1)
    stale = await post(client, body, headers)
    assert stale.status_code == 401
    assert "hết hạn" in stale.json()["error"]["message"]
    fresh_body, fresh_headers = signed(secret, {"external_id": "other", "status": "live"}, T0 + TOLERANCE_S)
    assert (await post(client, fresh_body, fresh_headers)).status_code == 200
    assert [r["signed_at"] for r in await WebhookReceipt.select()] == [T0 + TOLERANCE_S]
    assert (await Listing.select().first())["state"] == "live"


async def test_an_event_resent_with_a_new_timestamp_counts_once_by_its_event_id(client, int_settings):
    secret = int_settings.section(IntegrationsSettings).webhook_secret_for("voso")
    event = {"event_id": "evt-42", "external_id": "V-1", "status": "removed"}
    set_clock(client, T0)
    first = await post(client, *signed(secret, event, T0), code="voso")
    assert first.json() == {"ok": True}
    again = await post(client, *signed(secret, event, T0 + 30), code="voso")
    assert again.json()["replayed"] is True
    # The same event id on another marketplace is another event.
    other = await post(
        client, *signed(int_settings.section(IntegrationsSettings).webhook_secret, event, T0), code="postmart"
    )
    assert other.json() == {"ok": True}


@pytest.mark.parametrize("offset", [-(TOLERANCE_S + 1), TOLERANCE_S + 1, 10**9])
async def test_signatures_timed_more_than_five_minutes_away_are_refused(client, int_settings, offset):
    secret = int_settings.section(IntegrationsSettings).webhook_secret_for("postmart")
    set_clock(client, T0)
    response = await post(client, *signed(secret, {"external_id": "X", "status": "live"}, T0 + offset))
    assert response.status_code == 401
    assert await WebhookReceipt.count() == 0


async def test_inside_the_window_either_way_is_taken(client, int_settings):
    secret = int_settings.section(IntegrationsSettings).webhook_secret_for("postmart")
    set_clock(client, T0)
    for offset in (-TOLERANCE_S, TOLERANCE_S):
        body, headers = signed(secret, {"external_id": f"X{offset}", "status": "live"}, T0 + offset)
        assert (await post(client, body, headers)).status_code == 200


async def test_the_old_body_only_signature_and_forged_headers_are_refused(client, int_settings):
    secret = int_settings.section(IntegrationsSettings).webhook_secret_for("postmart")
    set_clock(client, T0)
    body = json.dumps({"external_id": "X", "status": "removed"}).encode()
    body_only = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    good = sign(secret, body, T0)
    for header in (
        body_only,
        f"t={T0},v1={body_only}",  # the timestamp is not covered by a body-only signature
        good.replace(f"t={T0}", f"t={T0 + 1}"),  # the timestamp moved: the signature no longer fits
        f"v1={good.split('v1=')[1]}",  # no timestamp
        f"t={T0}",
        "",
        "t=१२३,v1=00".encode(),  # non-ASCII digits
    ):
        response = await post(client, body, {"X-Signature": header})
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "unauthorized"
    # A secret being rotated: either v1 entry may match.
    rotated = f"t={T0},v1={'0' * 64},{good.split(',')[1]}"
    assert (await post(client, body, {"X-Signature": rotated})).status_code == 200


@pytest.mark.parametrize(
    "placed_at",
    [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"253402300800", b"1e15", b"-1", b'"NaN"'],
    ids=["nan", "inf", "-inf", "1e400", "year-10000", "1e15", "negative", "nan-string"],
)
async def test_signed_orders_with_impossible_times_are_a_422(client, int_settings, caplog, placed_at):
    secret = int_settings.section(IntegrationsSettings).webhook_secret_for("postmart")
    set_clock(client, T0)
    body = (
        b'{"type": "order", "order_id": "ORD-1", "status": "placed", "placed_at": '
        + placed_at
        + b', "items": [{"external_id": "PO1", "quantity": 1, "price_vnd": 1000}]}'
    )
    response = await post(client, *signed(secret, body, T0))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert await MarketplaceOrder.count() == 0
    # Refused events leave no receipt: the marketplace may send the corrected one.
    assert await WebhookReceipt.count() == 0


async def test_an_order_status_time_past_year_9999_is_a_422(client, int_settings):
    secret = int_settings.section(IntegrationsSettings).webhook_secret_for("postmart")
    set_clock(client, T0)
    event = {
        "type": "order",
        "order_id": "ORD-2",
        "status": "placed",
        "placed_at": T0,
        "at": 10.0**13,
        "items": [{"external_id": "PO1", "quantity": 1}],
    }
    assert (await post(client, *signed(secret, event, T0))).status_code == 422
    sale = {"type": "sale", "order_id": "ORD-3", "external_id": "PO1", "quantity": 1, "at": 10.0**13}
    assert (await post(client, *signed(secret, sale, T0))).status_code == 422
