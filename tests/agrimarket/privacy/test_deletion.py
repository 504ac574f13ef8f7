"""Closing an account (issue 26, point 3): asked by the household only, cancellable during the
grace period, then identifiers erased in every app while printed stamps keep scanning, and the
erasure audited without the data."""

from __future__ import annotations

import json
from datetime import timedelta

from agrimarket import clock
from agrimarket.privacy.deletion import ERASED_NAME, erase_due
from agrimarket.privacy.notice import GRACE_DAYS
from agrimarket.tables import (
    AuditEntry,
    AuthSession,
    BankAccount,
    Consent,
    DeletionRequest,
    Household,
    Message,
    User,
)
from integrations.tables import Listing, ListingHistory, MarketplaceAccount, MarketplaceOrder
from tests.agrimarket.privacy.helpers import rich_household
from tests.factories import PASSWORD
from traceability.tables import Batch, BatchPartner, Stamp


async def test_a_manager_or_officer_cannot_delete_a_households_data(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    await accounts.join(manager, coop_id, member)
    officer = await accounts.staff("officer")
    admin = await accounts.staff("admin")
    for caller in (manager, officer, admin):
        refused = await client.post("/api/v1/me/deletion", headers=caller.headers)
        assert refused.status_code == 403, refused.text
        assert "Chỉ chính hộ" in refused.json()["error"]["message"]
    # There is no route naming another household's id: nothing to aim at but one's own account.
    assert await DeletionRequest.count() == 0
    assert (await client.get("/api/v1/me/deletion", headers=member.headers)).json() is None


async def test_a_deletion_can_be_cancelled_within_the_grace_period(client, accounts, monkeypatch):
    farmer = await accounts.household()
    asked = await client.post("/api/v1/me/deletion", headers=farmer.headers)
    assert asked.status_code == 201, asked.text
    assert (await client.post("/api/v1/me/deletion", headers=farmer.headers)).status_code == 409
    pending = (await client.get("/api/v1/me/deletion", headers=farmer.headers)).json()
    assert pending["status"] == "pending"
    cancelled = await client.post("/api/v1/me/deletion/cancel", headers=farmer.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    later = clock.now() + timedelta(days=GRACE_DAYS + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert await erase_due() == 0
    assert (await Household.select(Household.phone).first())["phone"] == farmer.phone


async def test_erasure_after_the_grace_period_keeps_the_stamps_scanning(client, accounts, monkeypatch):
    farmer, serials = await rich_household(client, accounts)
    household_id = farmer.me["household_id"]
    batch = await Batch.select(Batch.id).first()
    await BatchPartner(
        batch=batch["id"],
        direction="supplier",
        kind="member_household",
        household=household_id,
        name="Nguyễn Văn An",
        code="0312345678",
        address="Thôn 1",
        on_date=clock.today(),
        created_at=clock.now(),
    ).save()
    assert "Nguyễn Văn An" in (await client.get(f"/t/{serials[0]}")).text
    asked = await client.post("/api/v1/me/deletion", headers=farmer.headers)
    assert asked.status_code == 201
    assert await erase_due() == 0, "nothing is erased during the grace period"

    later = clock.now() + timedelta(days=GRACE_DAYS, minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert await erase_due() == 1

    household = await Household.select().where(Household.id == household_id).first()
    assert (
        household["head_name"] == ERASED_NAME
        and household["address"] == ""
        and household["vpost_code"] is None
    )
    assert farmer.phone not in household["phone"]
    user = await User.select().where(User.household == household_id).first()
    assert user["phone"] != farmer.phone and user["password_hash"] == "" and user["is_active"] is False
    for table in (BankAccount, Message, Consent, AuthSession, MarketplaceAccount):
        assert await table.count() == 0, table._meta.tablename
    partner = await BatchPartner.select().first()
    assert partner["name"] != "Nguyễn Văn An" and partner["code"] == "" and partner["address"] == ""
    # What the indicators and traceability need stays.
    assert (
        await Listing.count() == 1
        and await ListingHistory.count() == 1
        and await MarketplaceOrder.count() == 1
    )
    assert await Stamp.count() == 2

    # The printed stamps still scan, without the name.
    for serial in serials:
        page = await client.get(f"/t/{serial}")
        assert page.status_code == 200 and "Bưởi da xanh Cát Hải" in page.text
        assert "Nguyễn Văn An" not in page.text
    trace = await client.get(f"/api/v1/trace/{serials[0]}")
    assert trace.status_code == 200 and "Nguyễn Văn An" not in trace.text

    # The audit log keeps what happened, without the household's identifiers.
    registered = await AuditEntry.select().where(AuditEntry.action == "register").first()
    assert registered["redacted"] is True and registered["user_name"] == ERASED_NAME
    assert registered["household"] == household_id and registered["entity"] == "account"
    kept = json.dumps(registered["changes"], ensure_ascii=False)
    assert farmer.phone not in kept and "Nguyễn Văn An" not in kept and "household" in kept
    # Still append-only for anything else: redacted once, then no update at all.
    for change in ({AuditEntry.action: "nothing"}, {AuditEntry.user_name: "x"}):
        try:
            await AuditEntry.update(change).where(AuditEntry.id == registered["id"])
        except Exception as refused:
            assert "append-only" in str(refused)
        else:
            raise AssertionError("the audit log took an update")

    # Audited without the data; the account no longer signs in.
    entry = await AuditEntry.select().where(AuditEntry.action == "erased").first()
    assert entry is not None and entry["entity_id"] == household_id
    changes = entry["changes"] if isinstance(entry["changes"], dict) else json.loads(entry["changes"])
    assert set(changes) == {"request", "accounts"}
    login = await client.post("/api/v1/auth/login", json={"phone": farmer.phone, "password": PASSWORD})
    assert login.status_code == 401
    assert (await client.get("/api/v1/me", headers=farmer.headers)).status_code == 401
    assert (await DeletionRequest.select(DeletionRequest.status).first())["status"] == "done"
