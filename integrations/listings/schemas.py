"""Request and response shapes of the integrations API."""

from __future__ import annotations

import msgspec


class AccountCreate(msgspec.Struct, forbid_unknown_fields=True):
    marketplace: str
    shop_id: str
    credentials: dict[str, str]


class AccountRead(msgspec.Struct):
    id: int
    marketplace: str
    shop_id: str
    needs_attention: bool
    attention_reason: str


class ListingCreate(msgspec.Struct, forbid_unknown_fields=True):
    marketplace: str


class ListingRead(msgspec.Struct):
    id: int
    product_id: int | None
    marketplace: str
    marketplace_name: str
    state: str
    external_url: str | None
    reason_vi: str
    reason_en: str
    version: int
    synced_version: int
    syncing: bool


class SyncJobRead(msgspec.Struct):
    id: int
    listing_id: int
    marketplace: str
    status: str
    version: int
    attempts: int
    last_error: str
