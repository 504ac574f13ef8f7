"""Request and response shapes of declared listings and product suppliers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from agrimarket.declared.catalog import MARKETPLACES
from agrimarket.web.input import Id, Input, checked

MAX_URL = 400


class DeclaredListingCreate(Input):
    marketplace: Annotated[str, checked(enum=MARKETPLACES)]
    # http(s), a host, no spaces (agrimarket.declared.service.clean_url)
    shop_url: Annotated[str, checked(max_length=MAX_URL, pattern="^https?://[^/?#@ ]+[^ ]*$")]
    from_date: date
    to_date: date | None = None
    # Exactly one of the two.
    household_id: Id | None = None
    cooperative_id: Id | None = None


class DeclaredListingUpdate(Input):
    """Only the end can change: the start is what past figures were computed from."""

    to_date: date | None


class DeclaredListingRead(msgspec.Struct):
    id: int
    marketplace: str
    marketplace_label: str
    shop_url: str
    from_date: date
    to_date: date | None
    household_id: int | None
    cooperative_id: int | None
    declared_by_id: int | None
    created_at: datetime


class SuppliersUpdate(Input):
    household_ids: Annotated[list[Id], checked(max_items=500)]


class SupplierRead(msgspec.Struct):
    household_id: int
    head_name: str
    commune_code: str
    added_at: datetime
