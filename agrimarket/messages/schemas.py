"""The messages' JSON shapes (inbox, preferences, the admin's view)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Channel = Literal["zalo", "sms", "push", "inbox"]


class MessageRead(msgspec.Struct):
    id: int
    kind: str
    text: str
    link: str
    created_at: datetime
    read: bool


class UnreadCount(msgspec.Struct):
    unread: int


class MarkedRead(msgspec.Struct):
    marked: int


class PreferencesRead(msgspec.Struct):
    # zalo: Zalo, then SMS when Zalo refuses; sms: SMS only; push: the browser, then Zalo, then
    # SMS; inbox: nothing sent to the phone.
    channel: Channel
    muted_kinds: list[str]
    kinds: dict[str, str]  # every kind and its name, for a settings screen


class PreferencesWrite(msgspec.Struct, forbid_unknown_fields=True):
    channel: Channel
    muted_kinds: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=30)]], msgspec.Meta(max_length=20)
    ] = []


class DeliveryRead(msgspec.Struct):
    """A message and its fate, for the admin."""

    id: int
    kind: str
    text: str
    household_id: int | None
    user_id: int | None
    phone: str
    status: str
    sent_channel: str
    attempts: int
    last_error: str
    log: list[dict]
    created_at: datetime
    sent_at: datetime | None
