"""Writing messages: the inbox row and its delivery outbox row, in the caller's transaction.

Every event subscriber (``agrimarket.messages.subscribers``) ends here, inside the publisher's
write transaction, so a message commits with the change it tells about, or not at all. A message
goes to a household (its phone) or, for a cooperative's own products and areas, to each of the
cooperative's managers (their phones). The channels it will be tried on come from the household's
preferences; a kind the household muted is kept in the inbox only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agrimarket import clock
from agrimarket.accounts.actor import Role
from agrimarket.messages.kinds import ALWAYS_SENT, CONSENTED, URGENT
from agrimarket.privacy.consent import household_allows
from agrimarket.tables import Household, Message, MessageDelivery, MessagePreference, User

# Preference -> the channels tried, in order (each next one when the one before refuses).
PLANS = {"zalo": "zalo,sms", "sms": "sms", "push": "webpush,zalo,sms", "inbox": ""}
DEFAULT_PLAN = PLANS["zalo"]


@dataclass(frozen=True)
class Draft:
    """One message before it has a recipient: ``cause`` names the event, so the same event handled
    twice writes nothing the second time."""

    kind: str
    text: str
    cause: str
    link: str = ""
    params: dict[str, str] = field(default_factory=dict)


def log_entry(channel: str, result: str) -> dict:
    return {"at": clock.now().isoformat(timespec="seconds"), "channel": channel, "result": result[:300]}


async def _write(draft: Draft, cause: str, phone: str, plan: str, muted: bool, **recipient) -> int | None:
    if await Message.exists().where(Message.cause == cause):
        return None
    now = clock.now()
    rows = await Message.insert(
        Message(
            kind=draft.kind,
            text=draft.text,
            link=draft.link[:300],
            params=json.dumps(draft.params, ensure_ascii=False),
            urgent=draft.kind in URGENT,
            cause=cause[:120],
            created_at=now,
            **recipient,
        )
    ).returning(Message.id)
    message_id = rows[0]["id"]
    if muted or not plan:
        status, log = "inbox", [log_entry("", "chỉ trong hộp thư: hộ đã chọn không nhận qua điện thoại")]
    else:
        status, log = "queued", []
    await MessageDelivery.insert(
        MessageDelivery(
            message=message_id,
            phone=phone,
            status=status,
            channels=plan,
            next_attempt_at=now.timestamp(),
            log=json.dumps(log, ensure_ascii=False),
            updated_at=now,
        )
    )
    return message_id


async def preference(household_id: int) -> dict:
    row = await MessagePreference.select().where(MessagePreference.household == household_id).first()
    return row or {"channel": "zalo", "muted_kinds": ""}


async def to_household(household_id: int, draft: Draft) -> int | None:
    """The message for a household; None when it has no phone on record, the cause was handled, or
    the kind needs a consent the household has not given (or withdrew): then nothing is written."""
    household = await Household.select(Household.phone).where(Household.id == household_id).first()
    if household is None:
        return None
    purpose = CONSENTED.get(draft.kind)
    if purpose is not None and not await household_allows(household_id, purpose):
        return None
    chosen = await preference(household_id)
    muted = draft.kind in chosen["muted_kinds"].split(",") and draft.kind not in ALWAYS_SENT
    plan = PLANS.get(chosen["channel"], DEFAULT_PLAN)
    if draft.kind in ALWAYS_SENT and not plan:
        plan = DEFAULT_PLAN
    return await _write(
        draft, f"{draft.cause}:h{household_id}", household["phone"], plan, muted, household=household_id
    )


async def to_user(user_id: int, phone: str, draft: Draft) -> int | None:
    """A message for one account (a sign-in code): Zalo then SMS, whatever the preferences say."""
    return await _write(draft, f"{draft.cause}:u{user_id}", phone, DEFAULT_PLAN, False, user=user_id)


async def to_cooperative(cooperative_id: int, draft: Draft) -> list[int]:
    """One message for each active manager of the cooperative."""
    managers = await User.select(User.id, User.phone).where(
        (User.cooperative == cooperative_id) & (User.role == Role.COOP_MANAGER) & (User.is_active == True)  # noqa: E712
    )
    written = [
        await _write(draft, f"{draft.cause}:u{m['id']}", m["phone"], DEFAULT_PLAN, False, user=m["id"])
        for m in managers
    ]
    return [message_id for message_id in written if message_id is not None]


async def to_owner(household_id: int | None, cooperative_id: int | None, draft: Draft) -> list[int]:
    """To whoever owns the thing the message is about: a household, else the cooperative's managers."""
    if household_id is not None:
        found = await to_household(household_id, draft)
        return [found] if found is not None else []
    if cooperative_id is not None:
        return await to_cooperative(cooperative_id, draft)
    return []


def today_start_utc() -> datetime:
    """Midnight of Vietnam's current day, as a UTC instant (the daily cap's window)."""
    local = clock.to_local(clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)
