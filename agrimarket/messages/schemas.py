"""The messages' JSON shapes (inbox, preferences, the admin's view)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

import msgspec

from agrimarket.messages.kinds import KINDS
from agrimarket.web.input import Input

Channel = Literal["zalo", "sms", "push", "inbox"]
DeliveryStatus = Literal["queued", "running", "sent", "failed", "inbox", "capped"]
Kind = Literal[
    "order_received",
    "order_deadline_near",
    "listing_rejected",
    "listing_taken_down",
    "stock_out",
    "batch_flagged",
    "counterfeit_warning",
    "coop_invitation",
    "area_status",
    "training",
    "sign_in_code",
]
if set(get_args(Kind)) != set(KINDS):  # the schema's enum is the kinds' list, spelled for the type checker
    raise RuntimeError("agrimarket.messages.schemas.Kind differs from agrimarket.messages.kinds.KINDS")


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


class PreferencesWrite(Input):
    channel: Channel
    muted_kinds: Annotated[list[Kind], msgspec.Meta(max_length=20)] = []


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
    # When the provider reported it on the phone (Zalo's delivery receipt); None: no receipt (yet).
    delivered_at: datetime | None = None
