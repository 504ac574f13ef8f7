"""Closing a household's account at its own request: asked, cancellable for ``GRACE_DAYS``, then
erased by the scheduled job (``erase_due``; ``python -m agrimarket.privacy.run`` or the app's
in-process loop).

Grace of 7 days: long enough for a farmer who tapped by mistake, or whose phone someone else used,
to see the pending request on "My data" at the next sign-in and cancel; short enough that the
request is honoured well within the law's time for answering a data subject.

What is erased: the head's name, phone, address and Vpost code; the account's name, phone,
password, sessions, sign-in codes and browser subscriptions; messages, message preferences,
consents, bank account, account claims and invitations; declared shops' URLs. What stays, without
direct identifiers: products, batches and printed stamps (their scan pages keep working, naming
the producer "Hộ đã xoá dữ liệu" — the traceability chain printed on goods in the market must
hold), listings and orders' figures (the indicators' history, counted by commune), the audit log.
Traceability and integrations erase their parts by subscribing to ``HouseholdErased``, inside
this transaction. Only the household itself may ask: no manager, officer or admin can.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import msgspec

from agrimarket import clock
from agrimarket.accounts.actor import Actor, Role
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden
from agrimarket.events import HouseholdErased, publish
from agrimarket.privacy.notice import GRACE_DAYS
from agrimarket.tables import (
    AccountClaim,
    AuditEntry,
    AuthSession,
    BankAccount,
    Consent,
    CoopInvitation,
    DeclaredListing,
    DeletionRequest,
    Household,
    IdempotentRequest,
    Message,
    MessagePreference,
    PushSubscription,
    SignInCode,
    User,
)

ERASED_NAME = "Hộ đã xoá dữ liệu"
REDACTED = "[đã xoá]"


class DeletionStatus(msgspec.Struct):
    id: int
    status: str  # pending | cancelled | done
    requested_at: datetime
    erase_after: datetime


def own_household(actor: Actor) -> int:
    if actor.role != Role.HOUSEHOLD or actor.household_id is None:
        raise Forbidden(
            "Chỉ chính hộ sản xuất mới yêu cầu xoá dữ liệu của mình; HTX, cán bộ hay quản trị viên không xoá thay được.",
            "Only the household itself can ask to delete its data; no manager, officer or admin can do it for it.",
        )
    return actor.household_id


def _status(row: dict) -> DeletionStatus:
    return DeletionStatus(
        id=row["id"],
        status=row["status"],
        requested_at=clock.to_local(row["requested_at"]),
        erase_after=clock.to_local(row["erase_after"]),
    )


async def pending(actor: Actor) -> DeletionStatus | None:
    row = (
        await DeletionRequest.select()
        .where((DeletionRequest.household == own_household(actor)) & (DeletionRequest.status == "pending"))
        .first()
    )
    return _status(row) if row else None


async def request_deletion(actor: Actor) -> DeletionStatus:
    household_id = own_household(actor)
    now = clock.now()
    async with write_transaction():
        if await DeletionRequest.exists().where(
            (DeletionRequest.household == household_id) & (DeletionRequest.status == "pending")
        ):
            raise Conflict(
                "Hộ đã yêu cầu xoá tài khoản rồi.", "The household already asked to close its account."
            )
        rows = await DeletionRequest.insert(
            DeletionRequest(
                household=household_id,
                user_id=actor.user_id,
                status="pending",
                requested_at=now,
                erase_after=now + timedelta(days=GRACE_DAYS),
            )
        ).returning(*DeletionRequest.all_columns())
        await audit.record(actor, "household", household_id, "deletion_requested", {"grace_days": GRACE_DAYS})
    return _status(rows[0])


async def cancel_deletion(actor: Actor) -> DeletionStatus:
    household_id = own_household(actor)
    async with write_transaction():
        rows = await (
            DeletionRequest.update({DeletionRequest.status: "cancelled"})
            .where((DeletionRequest.household == household_id) & (DeletionRequest.status == "pending"))
            .returning(*DeletionRequest.all_columns())
        )
        if not rows:
            raise Conflict("Không có yêu cầu xoá nào đang chờ.", "No deletion request is waiting.")
        await audit.record(actor, "household", household_id, "deletion_cancelled")
    return _status(rows[0])


def _scrub(value: Any, identifiers: set[str]) -> Any:
    """``value`` with every text holding one of ``identifiers`` replaced by ``REDACTED``."""
    if isinstance(value, str):
        return REDACTED if any(found in value for found in identifiers) else value
    if isinstance(value, dict):
        return {key: _scrub(item, identifiers) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, identifiers) for item in value]
    return value


async def _redact_audit(household_id: int, users: tuple[int, ...], identifiers: set[str]) -> None:
    """The household's audit entries keep what happened, when and to what, without its name, phone,
    address or the client address and browser of its own actions (the log's one allowed update)."""
    mine = AuditEntry.user_id.is_in(list(users)) if users else AuditEntry.user_id == -1
    entries = await AuditEntry.select(
        AuditEntry.id,
        AuditEntry.user_id,
        AuditEntry.user_name,
        AuditEntry.changes,
        AuditEntry.client_address,
        AuditEntry.user_agent,
    ).where(((AuditEntry.household == household_id) | mine) & (AuditEntry.redacted == False))  # noqa: E712
    for entry in entries:
        own = entry["user_id"] in users
        changes = (
            entry["changes"] if isinstance(entry["changes"], dict) else json.loads(entry["changes"] or "{}")
        )
        await AuditEntry.update(
            {
                AuditEntry.redacted: True,
                AuditEntry.user_name: ERASED_NAME if own else entry["user_name"],
                AuditEntry.client_address: "" if own else entry["client_address"],
                AuditEntry.user_agent: "" if own else entry["user_agent"],
                AuditEntry.changes: _scrub(changes, identifiers),
            }
        ).where(AuditEntry.id == entry["id"])


async def erase_household(household_id: int) -> tuple[int, ...]:
    """Erase the household's identifiers and its account's (inside the caller's transaction); the
    user ids erased. Then every app erases its own part (``HouseholdErased``)."""
    users = tuple(r["id"] for r in await User.select(User.id).where(User.household == household_id))
    held = await Household.select().where(Household.id == household_id).first() or {}
    accounts = await User.select(User.phone, User.full_name).where(User.household == household_id)
    identifiers = {
        text
        for text in (
            held.get("phone"),
            held.get("head_name"),
            held.get("address"),
            held.get("vpost_code"),
            *(a["phone"] for a in accounts),
            *(a["full_name"] for a in accounts),
        )
        if text and len(text) >= 4  # a two-letter name part would blank unrelated words
    }
    await _redact_audit(household_id, users, identifiers)
    await Household.update(
        {
            Household.head_name: ERASED_NAME,
            Household.phone: f"x{household_id}",  # unique and never a phone: the column stays unique
            Household.address: "",
            Household.vpost_code: None,
        }
    ).where(Household.id == household_id)
    for user_id in users:
        await User.update(
            {
                User.phone: f"x{user_id}u",
                User.full_name: ERASED_NAME,
                User.password_hash: "",
                User.is_active: False,
                User.assisted_by: None,
            }
        ).where(User.id == user_id)
    if users:
        for table in (AuthSession, SignInCode, PushSubscription):
            await table.delete().where(table.user.is_in(list(users)))
        await Message.delete().where(Message.user.is_in(list(users)))
        # Stored answers of repeated writes may quote the household's data.
        await IdempotentRequest.delete().where(IdempotentRequest.user_id.is_in(list(users)))
    await Message.delete().where(Message.household == household_id)
    for owned in (MessagePreference, Consent, AccountClaim, CoopInvitation):
        await owned.delete().where(owned.household == household_id)
    await BankAccount.delete().where(BankAccount.owner_household == household_id)
    await DeclaredListing.update({DeclaredListing.shop_url: ""}).where(
        DeclaredListing.household == household_id
    )
    await publish(HouseholdErased(household_id=household_id, user_ids=users))
    return users


async def erase_due(now: datetime | None = None) -> int:
    """Erase every household whose grace period is over; how many. Each in its own transaction,
    audited without the data (which request, how many accounts)."""
    moment = now or clock.now()
    due = await DeletionRequest.select(DeletionRequest.id, DeletionRequest.household).where(
        (DeletionRequest.status == "pending") & (DeletionRequest.erase_after <= moment)
    )
    done = 0
    for request in due:
        async with write_transaction():
            claimed = await (
                DeletionRequest.update({DeletionRequest.status: "done", DeletionRequest.done_at: clock.now()})
                .where((DeletionRequest.id == request["id"]) & (DeletionRequest.status == "pending"))
                .returning(DeletionRequest.id)
            )
            if not claimed:  # cancelled meanwhile, or another process erased it
                continue
            users = await erase_household(request["household"])
            await audit.record(
                None,
                "household",
                request["household"],
                "erased",
                {"request": request["id"], "accounts": len(users)},
            )
        done += 1
    return done
