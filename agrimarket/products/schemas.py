"""Request and response shapes of the products API."""

from __future__ import annotations

from datetime import datetime

import msgspec

from agrimarket.web.input import Input


class ProductCreate(Input):
    name: str
    category: str
    unit: str
    price_vnd: int
    stock: int = 0
    description: str = ""
    harvest_season: str = ""
    certifications: list[str] = msgspec.field(default_factory=list)
    gtin: str | None = None
    # Grams in one selling unit; needed by Shopee unless the unit is a mass (kg, yến, tạ, tấn).
    unit_weight_g: int | None = None
    status: str = "active"
    # A coop manager lists for a member household, or for the cooperative itself when omitted.
    owner_household_id: int | None = None


class ProductUpdate(Input, omit_defaults=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    category: str | msgspec.UnsetType = msgspec.UNSET
    unit: str | msgspec.UnsetType = msgspec.UNSET
    price_vnd: int | msgspec.UnsetType = msgspec.UNSET
    stock: int | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    harvest_season: str | msgspec.UnsetType = msgspec.UNSET
    certifications: list[str] | msgspec.UnsetType = msgspec.UNSET
    gtin: str | msgspec.UnsetType | None = msgspec.UNSET
    unit_weight_g: int | msgspec.UnsetType | None = msgspec.UNSET
    status: str | msgspec.UnsetType = msgspec.UNSET


class PhotoRead(msgspec.Struct):
    id: int
    url: str
    thumb_url: str
    width: int
    height: int


class OwnerRead(msgspec.Struct):
    kind: str  # household | cooperative
    id: int
    name: str


class ProductRead(msgspec.Struct):
    id: int
    name: str
    category: str
    unit: str
    price_vnd: int
    stock: int
    description: str
    harvest_season: str
    certifications: list[str]
    gtin: str | None
    unit_weight_g: int | None  # as typed; a mass unit implies its own weight
    status: str
    owner: OwnerRead
    origin: str  # commune, province of the owner
    created_by_id: int | None
    photos: list[PhotoRead]
    public_url: str
    created_at: datetime
    updated_at: datetime


class PayTo(msgspec.Struct):
    """The owner's bank account, shown on the public page beside its VietQR code."""

    bank_bin: str
    account_number: str
    account_name: str
