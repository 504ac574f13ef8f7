"""The in-app inbox (every message, whatever reached the phone), the household's preferences and
the admin's view of every message and its fate."""

from __future__ import annotations

import json
from typing import Any, get_args

from agrimarket import clock
from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import Forbidden, Invalid, NotFound
from agrimarket.messages.kinds import ALWAYS_SENT, CONSENTED, KINDS
from agrimarket.messages.schemas import (
    DeliveryRead,
    DeliveryStatus,
    MessageRead,
    PreferencesRead,
    PreferencesWrite,
)
from agrimarket.messages.service import preference
from agrimarket.privacy import access_log
from agrimarket.privacy.consent import household_allows, set_optional
from agrimarket.tables import Message, MessageDelivery, MessagePreference

PAGE = 100
STATUSES = get_args(DeliveryStatus)


def _mine(actor: Actor) -> Any:
    """The messages addressed to the actor's account or to its household."""
    if actor.household_id is None:
        return Message.user == actor.user_id
    return (Message.user == actor.user_id) | (Message.household == actor.household_id)


def _read(row: dict) -> MessageRead:
    return MessageRead(
        id=row["id"],
        kind=row["kind"],
        text=row["text"],
        link=row["link"],
        created_at=row["created_at"],
        read=row["read_at"] is not None,
    )


async def messages(actor: Actor, limit: int = PAGE) -> list[MessageRead]:
    rows = await Message.select().where(_mine(actor)).order_by(Message.id, ascending=False).limit(limit)
    return [_read(row) for row in rows]


async def unread_count(actor: Actor) -> int:
    return await Message.count().where(_mine(actor) & Message.read_at.is_null())


async def mark_read(actor: Actor, message_id: int) -> None:
    if not await Message.exists().where(_mine(actor) & (Message.id == message_id)):
        raise NotFound("Không có tin nhắn này.", "No such message.")
    await Message.update({Message.read_at: clock.now()}).where(
        (Message.id == message_id) & Message.read_at.is_null()
    )


async def mark_all_read(actor: Actor) -> int:
    rows = await (
        Message.update({Message.read_at: clock.now()})
        .where(_mine(actor) & Message.read_at.is_null())
        .returning(Message.id)
    )
    return len(rows)


def _household(actor: Actor) -> int:
    if actor.role != Role.HOUSEHOLD or actor.household_id is None:
        raise Forbidden(
            "Chỉ hộ sản xuất chọn cách nhận tin.", "Only a household chooses how it gets messages."
        )
    return actor.household_id


async def preferences(actor: Actor) -> PreferencesRead:
    household_id = _household(actor)
    chosen = await preference(household_id)
    muted = [k for k in chosen["muted_kinds"].split(",") if k and k not in CONSENTED]
    # A kind needing consent reads as muted while the consent is not given: one switch, not two.
    muted += [k for k, purpose in CONSENTED.items() if not await household_allows(household_id, purpose)]
    return PreferencesRead(channel=chosen["channel"], muted_kinds=muted, kinds=KINDS)


async def set_preferences(actor: Actor, data: PreferencesWrite) -> PreferencesRead:
    household_id = _household(actor)
    unknown = [k for k in data.muted_kinds if k not in KINDS]
    if unknown:
        raise Invalid("muted_kinds", f"Không có loại tin {unknown[0]}.", f"No message kind {unknown[0]}.")
    muted = ",".join(
        k for k in dict.fromkeys(data.muted_kinds) if k not in ALWAYS_SENT and k not in CONSENTED
    )
    for kind, purpose in CONSENTED.items():
        await set_optional(actor, purpose, kind not in data.muted_kinds)
    now = clock.now()
    changed = await (
        MessagePreference.update(
            {
                MessagePreference.channel: data.channel,
                MessagePreference.muted_kinds: muted,
                MessagePreference.updated_at: now,
            }
        )
        .where(MessagePreference.household == household_id)
        .returning(MessagePreference.id)
    )
    if not changed:
        await MessagePreference.insert(
            MessagePreference(household=household_id, channel=data.channel, muted_kinds=muted, updated_at=now)
        )
    return await preferences(actor)


async def deliveries(actor: Actor, status: str | None = None, limit: int = 200) -> list[DeliveryRead]:
    """Every message and its fate, newest first (admins)."""
    if actor.role != Role.ADMIN:
        raise Forbidden("Chỉ quản trị viên xem mọi tin nhắn.", "Only an admin sees every message.")
    if status is not None and status not in STATUSES:
        raise Invalid("status", "Trạng thái không đúng.", f"status is one of {', '.join(STATUSES)}.")
    query = MessageDelivery.select(
        *MessageDelivery.all_columns(),
        MessageDelivery.message.kind.as_alias("kind"),
        MessageDelivery.message.text.as_alias("text"),
        MessageDelivery.message.household.as_alias("household_id"),
        MessageDelivery.message.user.as_alias("user_id"),
        MessageDelivery.message.created_at.as_alias("created_at"),
    )
    if status is not None:
        query = query.where(MessageDelivery.status == status)
    rows = await query.order_by(MessageDelivery.id, ascending=False).limit(limit)
    await access_log.record(
        actor, "nhật ký tin nhắn", [row["household_id"] for row in rows if row["household_id"]]
    )
    return [
        DeliveryRead(
            id=row["message"],
            kind=row["kind"],
            text=row["text"],
            household_id=row["household_id"],
            user_id=row["user_id"],
            phone=row["phone"],
            status=row["status"],
            sent_channel=row["sent_channel"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            log=json.loads(row["log"]) if isinstance(row["log"], str) else row["log"],
            created_at=row["created_at"],
            sent_at=row["sent_at"],
            delivered_at=row["delivered_at"],
        )
        for row in rows
    ]
