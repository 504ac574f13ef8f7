"""Request and response shapes of the integrations API."""

from __future__ import annotations

from typing import Annotated

import msgspec

from agrimarket.products.fields import MAX_STOCK
from agrimarket.web.input import Input, checked
from integrations.adapters.base import CredentialField
from integrations.stock.shares import SHARE_MAX, SHARE_MIN


class AccountCreate(Input):
    marketplace: str
    shop_id: str
    credentials: dict[str, str]


class AccountRead(msgspec.Struct):
    id: int
    marketplace: str
    shop_id: str
    needs_attention: bool
    attention_reason: str


class ListingCreate(Input):
    marketplace: str


class StockShareUpdate(Input):
    """How much of the stock one marketplace is shown: share_percent % after holding reserve_units back."""

    share_percent: Annotated[int, checked(ge=SHARE_MIN, le=SHARE_MAX)] = 100
    reserve_units: Annotated[int, checked(ge=0, le=MAX_STOCK)] = 0


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
    share_percent: int = 100
    reserve_units: int = 0
    pushed_stock: int = 0  # what this marketplace is shown of the product's stock (see stock.shares)
    # "Cần kiểm tra": the sync gave up on this listing; check_reason is its last error.
    needs_check: bool = False
    check_reason: str = ""


class SyncJobRead(msgspec.Struct):
    id: int
    listing_id: int
    marketplace: str
    status: str
    version: int
    attempts: int
    last_error: str


class MarketplaceStatus(msgspec.Struct):
    """One marketplace on the accounts page: connected or not, in what state, what to type."""

    code: str
    name: str
    connected: bool
    shop_id: str
    needs_attention: bool
    attention_reason: str
    cooperative_shop_id: str  # a member household's cooperative's shop there ("" if none)
    credential_fields: tuple[CredentialField, ...]
    # The credential the marketplace's consent page is opened with ("": no authorization redirect).
    authorize_field: str = ""


class TroubledJobRead(msgspec.Struct):
    """A sync job on the admin's page: what it was pushing where, and why it stopped."""

    id: int
    listing_id: int
    product_id: int | None
    product_name: str
    marketplace_name: str
    status: str  # dead, or queued after a failure (backing off)
    attempts: int
    last_error: str
