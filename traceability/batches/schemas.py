"""Request and response shapes of the batches and diary API."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from agrimarket.products.catalog import UNITS
from agrimarket.web.input import Id, Input, checked
from traceability.batches.kinds import KINDS, PARTNER_KINDS

LOT_CODE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")  # after trimming spaces
MAX_QUANTITY = 1_000_000_000.0
MIN_CLEAR_REASON, MAX_CLEAR_REASON = 10, 1000


class BatchCreate(Input):
    product_id: Id
    growing_area_id: Id
    lot_code: Annotated[str, checked(pattern=LOT_CODE.pattern)]
    harvest_date: date
    quantity: Annotated[float, checked(gt=0, le=MAX_QUANTITY)]
    unit: Annotated[str, checked(enum=UNITS)]
    pack_date: date | None = None
    expiry_date: date | None = None
    brand: str = ""  # brand or trademark on the packaging
    standards: str = ""  # declared standard, e.g. "TCCS 01:2026/HTX", besides the certifications
    packing_facility_id: Id | None = None  # the packing facility (cơ sở đóng gói) that packed it


class BatchUpdate(Input):
    """The label facts that may be filled in after the batch was created (omitted: unchanged)."""

    brand: str | None = None
    standards: str | None = None
    packing_facility_id: int | None = None


class EventCreate(Input):
    kind: Annotated[str, checked(enum=KINDS)]
    # Must carry its time-zone offset; defaults to now.
    occurred_at: datetime | None = None
    # Defaults to the batch's growing area.
    growing_area_id: Id | None = None
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class ClearRequest(Input):
    reason: Annotated[str, checked(min_length=MIN_CLEAR_REASON, max_length=MAX_CLEAR_REASON)]


class EventRead(msgspec.Struct):
    id: int
    kind: str
    label_vi: str
    label_en: str
    occurred_at: datetime
    growing_area_id: int | None
    author_id: int | None
    author_name: str | None
    details: dict[str, Any]


class BatchRead(msgspec.Struct):
    id: int
    product_id: int
    product_name: str
    growing_area_id: int
    growing_area_name: str
    growing_area_code: str | None
    growing_area_status: str
    lot_code: str
    harvest_date: date
    pack_date: date | None
    quantity: float
    unit: str
    expiry_date: date | None
    flagged: bool
    flag_reason: str
    cleared: bool
    cleared_reason: str
    cleared_by_id: int | None
    cleared_at: datetime | None
    created_at: datetime
    brand: str = ""
    standards: str = ""
    packing_facility_id: int | None = None
    packing_facility_name: str | None = None
    packing_facility_code: str | None = None
    events: list[EventRead] = msgspec.field(default_factory=list)


class PartnerCreate(Input):
    """A supplier (one step back) or a recipient (one step forward) of the batch."""

    direction: Annotated[str, checked(enum=PARTNER_KINDS)]
    kind: str  # supplier: member_household|farm|input_dealer|collector; recipient: buyer|packer|distributor|retailer|processor|exporter
    on_date: date
    name: str = ""  # may be left empty when household_id names a member household
    household_id: Id | None = None  # a current member of the batch's cooperative
    code: str = ""  # tax code, GLN, facility code...
    address: str = ""


class PartnerRead(msgspec.Struct):
    id: int
    direction: str
    kind: str
    kind_label: str
    name: str
    household_id: int | None
    code: str
    address: str
    on_date: date
