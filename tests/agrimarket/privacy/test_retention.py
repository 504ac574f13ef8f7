"""The retention job: personal data past its period is deleted or blanked, what is current stays,
and the indicators of past dates are the same numbers after it ran (the injected clock is moved,
nothing waits)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from agrimarket import clock
from agrimarket.accounts.actor import Role
from agrimarket.env import SettingsError
from agrimarket.privacy.periods import RetentionSettings
from agrimarket.privacy.retention import MESSAGE_REMOVED, run_once
from agrimarket.tables import AuthSession, Message, MessageDelivery, SignInCode
from agrimarket.web.services import app_services
from integrations.adapters.desk import LABEL_SIZES
from integrations.orders.labels import label_key
from integrations.tables import Marketplace, MarketplaceOrder
from tests.agrimarket.indicators.test_participation import seed
from tests.factories import HAI_PHONG
from tests.traceability.test_scan import stamped
from traceability.tables import Scan, Stamp

NOW = datetime(2026, 12, 1, 5, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


async def _indicators(client, officer) -> list[dict]:
    """The officer's whole report at past dates: January's period, and the end of November."""
    answers = []
    for params in (
        {"from": "2026-01-01", "date": "2026-01-31"},
        {"from": "2025-12-01", "date": "2026-11-30"},
    ):
        response = await client.get(
            "/api/v1/indicators/", params=params | {"area": HAI_PHONG}, headers=officer.headers
        )
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


async def _sessions(user_id: int) -> None:
    for made, ends in (
        (NOW - 100 * DAY, NOW - 70 * DAY),
        (NOW - 100 * DAY, NOW + 5 * DAY),
        (NOW - DAY, NOW + 29 * DAY),
    ):
        await AuthSession(
            token_hash=f"{made:%s}{ends:%s}", user=user_id, kind="api", created_at=made, expires_at=ends
        ).save()


async def _codes(user_id: int, phone: str) -> None:
    for made in (NOW - 2 * DAY, NOW - timedelta(minutes=2)):
        await SignInCode(
            phone=phone,
            user=user_id,
            code_hash="h" * 64,
            created_at=made,
            expires_at=made + timedelta(minutes=5),
        ).save()


async def _messages(household_id: int, phone: str) -> None:
    for n, made in enumerate((NOW - 400 * DAY, NOW - 10 * DAY)):
        message = Message(
            household=household_id,
            kind="order_received",
            text=f"Đơn mới {n}",
            params={"order_ref": f"O{n}"},
            cause=f"t:{n}",
            created_at=made,
        )
        await message.save()
        await MessageDelivery(
            message=message.id, phone=phone, status="sent", sent_channel="zalo", updated_at=made
        ).save()


async def _recent_order() -> int:
    market = await Marketplace.select(Marketplace.id).where(Marketplace.code == "postmart").first()
    order = MarketplaceOrder(
        marketplace=market["id"],
        order_ref="RECENT",
        placed_at=NOW - 10 * DAY,
        amount_vnd=1000,
        status="delivered",
        status_at=NOW - 8 * DAY,
        created_at=NOW - 10 * DAY,
    )
    await order.save()
    return order.id


async def test_retention_removes_old_rows_keeps_current_ones_and_past_indicators(
    client, accounts, app, frozen
):
    settings, storage = app_services(app)
    await seed()  # January 2026's orders: finished ones are past the 180 days, O6 is still shipped
    recent = await _recent_order()
    await MarketplaceOrder.update(
        {MarketplaceOrder.commune: "Phường Lê Chân", MarketplaceOrder.tracking_number: "VN0001"}, force=True
    )
    orders = {
        row["order_ref"]: row["id"]
        for row in await MarketplaceOrder.select(MarketplaceOrder.id, MarketplaceOrder.order_ref)
    }
    for ref in ("O1", "RECENT"):
        for size in LABEL_SIZES:
            await storage.put(
                label_key(settings.secret_key, orders[ref], size, "VN0001"),
                b"%PDF-1.4 buyer",
                "application/pdf",
            )
    _, _, _, serials = await stamped(client, accounts, count=1)
    stamp = await Stamp.select(Stamp.id).where(Stamp.serial == serials[0]).first()
    for at in (NOW - 300 * DAY, NOW - DAY):
        await Scan(
            stamp=stamp["id"],
            scanned_at=at,
            client_hash="c" * 64,
            network_hash="n" * 64,
            day=1,
            device="mobile",
        ).save()
    household = await accounts.household()
    await _sessions(household.me["id"])
    await _codes(household.me["id"], household.phone)
    await _messages(household.me["household_id"], household.phone)
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    before = await _indicators(client, officer)
    counters = await Stamp.select(Stamp.scan_count).where(Stamp.id == stamp["id"]).first()

    done = await run_once(settings, storage)

    assert done == {
        "closed_accounts": 0,  # no deletion asked here (tests/agrimarket/privacy/test_deletion.py)
        "sign_in_records": 1,
        "sign_in_codes": 1,
        "message_bodies": 2,  # the old message's text and its delivery's phone
        "forget_scan_addresses": 1,
        "forget_delivery_data": 5,  # O1, O2, O3, O4, O5 (O6 shipped, O7 placed: open)
    }
    # Sessions: the old ended one goes; an old one still live and the current ones stay.
    left = await AuthSession.select(AuthSession.created_at, AuthSession.expires_at).where(
        AuthSession.user == household.me["id"]
    )
    assert len(left) == 3  # two made here, and the registration's own
    assert all(clock.to_local(row["expires_at"]) > NOW for row in left)
    assert [clock.to_local(r["created_at"]) for r in await SignInCode.select(SignInCode.created_at)] == [
        NOW - timedelta(minutes=2)
    ]
    mine = Message.household == household.me["household_id"]
    texts = await Message.select(Message.text, Message.params).where(mine).order_by(Message.created_at)
    assert [(row["text"], _json(row["params"])) for row in texts] == [
        (MESSAGE_REMOVED, {}),
        ("Đơn mới 1", {"order_ref": "O1"}),
    ]
    phones = (
        await MessageDelivery.select(MessageDelivery.phone, MessageDelivery.status)
        .where(MessageDelivery.message.household == household.me["household_id"])
        .order_by(MessageDelivery.id)
    )
    assert phones == [{"phone": "", "status": "sent"}, {"phone": household.phone, "status": "sent"}]
    scans = (
        await Scan.select(Scan.client_hash, Scan.network_hash)
        .where(Scan.stamp == stamp["id"])
        .order_by(Scan.scanned_at)
    )
    assert scans == [
        {"client_hash": "", "network_hash": ""},
        {"client_hash": "c" * 64, "network_hash": "n" * 64},
    ]
    assert await Stamp.select(Stamp.scan_count).where(Stamp.id == stamp["id"]).first() == counters
    kept = {
        row["order_ref"]: (row["commune"], row["tracking_number"])
        for row in await MarketplaceOrder.select(
            MarketplaceOrder.order_ref, MarketplaceOrder.commune, MarketplaceOrder.tracking_number
        )
    }
    assert kept["O1"] == kept["O5"] == ("", "")
    assert kept["O6"] == kept["O7"] == kept["RECENT"] == ("Phường Lê Chân", "VN0001")
    for size in LABEL_SIZES:
        assert not await _stored(storage, label_key(settings.secret_key, orders["O1"], size, "VN0001"))
        assert await _stored(storage, label_key(settings.secret_key, orders["RECENT"], size, "VN0001"))
    # The indicators of past dates read the same numbers from what remains.
    assert await _indicators(client, officer) == before
    # Nothing is due twice.
    assert set((await run_once(settings, storage)).values()) == {0}
    assert recent


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


async def _stored(storage, key: str) -> bool:
    from agrimarket.errors import NotFound

    try:
        await storage.get(key)
    except NotFound:
        return False
    return True


async def test_a_later_clock_makes_the_current_rows_due(client, accounts, app, monkeypatch):
    """What stayed at one moment goes once its period has passed: the clock decides, nothing else."""
    settings, storage = app_services(app)
    household = await accounts.household()
    monkeypatch.setattr(clock, "now", lambda: NOW)
    await _codes(household.me["id"], household.phone)
    await _messages(household.me["household_id"], household.phone)
    assert (await run_once(settings, storage))["sign_in_codes"] == 1
    monkeypatch.setattr(clock, "now", lambda: NOW + 356 * DAY)  # the newer message is 366 days old
    done = await run_once(settings, storage)
    assert (done["sign_in_codes"], done["message_bodies"]) == (1, 2)
    assert {row["text"] for row in await Message.select(Message.text)} == {MESSAGE_REMOVED}
    assert not await MessageDelivery.exists().where(MessageDelivery.phone != "")


def test_periods_are_checked_and_the_job_stays_off_in_tests(monkeypatch):
    assert not RetentionSettings.from_env("test").run_in_process
    assert RetentionSettings.from_env("production").run_in_process
    assert RetentionSettings.from_env("development").interval_hours == 24
    monkeypatch.setenv("RETENTION_SCAN_ADDRESS_DAYS", "0")
    with pytest.raises(SettingsError, match="RETENTION_SCAN_ADDRESS_DAYS"):
        RetentionSettings.from_env("production")
    monkeypatch.setenv("RETENTION_SCAN_ADDRESS_DAYS", "30")
    monkeypatch.setenv("RETENTION_JOB", "cron")
    with pytest.raises(SettingsError, match="RETENTION_JOB"):
        RetentionSettings.from_env("production")
    monkeypatch.setenv("RETENTION_JOB", "inprocess")
    assert RetentionSettings.from_env("test").run_in_process
