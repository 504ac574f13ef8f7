"""Request and response shapes of the products API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from agrimarket.products.catalog import CATEGORIES, CERTIFICATIONS, STATUSES, UNITS
from agrimarket.products.fields import (
    MAX_DESCRIPTION,
    MAX_HARVEST_SEASON,
    MAX_NAME,
    MAX_PRICE_VND,
    MAX_STOCK,
    MAX_UNIT_WEIGHT_G,
)
from agrimarket.web.input import Id, Input, checked, required_text

# The rules agrimarket.products.fields.clean_product checks, each with its own message.
Name = Annotated[str, required_text(MAX_NAME)]
Category = Annotated[str, checked(enum=CATEGORIES)]
Unit = Annotated[str, checked(enum=UNITS)]
Status = Annotated[str, checked(enum=STATUSES)]
Price = Annotated[int, checked(ge=1, le=MAX_PRICE_VND)]
Stock = Annotated[int, checked(ge=0, le=MAX_STOCK)]
Description = Annotated[str, checked(max_length=MAX_DESCRIPTION)]
HarvestSeason = Annotated[str, checked(max_length=MAX_HARVEST_SEASON)]
# One OCOP star rating at most: a rule across items, checked by the service only.
Certifications = list[Annotated[str, checked(enum=CERTIFICATIONS)]]
# 8, 12, 13 or 14 digits; the check digit is the service's.
Gtin = Annotated[str, checked(pattern="^([0-9]{8}|[0-9]{12,14})?$")]
UnitWeight = Annotated[int, checked(ge=1, le=MAX_UNIT_WEIGHT_G)]
# {"<marketplace code>.<its attribute id>": the farmer's answer}; keys and lengths are the service's.
Answers = dict[str, str]


class ProductCreate(Input):
    name: Name
    category: Category
    unit: Unit
    price_vnd: Price
    stock: Stock = 0
    description: Description = ""
    harvest_season: HarvestSeason = ""
    certifications: Certifications = msgspec.field(default_factory=list)
    gtin: Gtin | None = None
    # Grams in one selling unit; needed by Shopee unless the unit is a mass (kg, yến, tạ, tấn).
    unit_weight_g: UnitWeight | None = None
    # Answers to what a marketplace needs and we cannot fill (Shopee: origin, shelf life…).
    marketplace_attributes: Answers = msgspec.field(default_factory=dict)
    status: Status = "active"
    # A coop manager lists for a member household, or for the cooperative itself when omitted.
    owner_household_id: Id | None = None


class ProductUpdate(Input, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    category: Category | msgspec.UnsetType = msgspec.UNSET
    unit: Unit | msgspec.UnsetType = msgspec.UNSET
    price_vnd: Price | msgspec.UnsetType = msgspec.UNSET
    stock: Stock | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    harvest_season: HarvestSeason | msgspec.UnsetType = msgspec.UNSET
    certifications: Certifications | msgspec.UnsetType = msgspec.UNSET
    gtin: Gtin | msgspec.UnsetType | None = msgspec.UNSET
    unit_weight_g: UnitWeight | msgspec.UnsetType | None = msgspec.UNSET
    marketplace_attributes: Answers | msgspec.UnsetType = msgspec.UNSET  # replaces all answers
    status: Status | msgspec.UnsetType = msgspec.UNSET


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
    marketplace_attributes: dict[str, str]
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
