"""Request and response shapes of the stamps API and the public trace answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from agrimarket.web.input import Id, Input, checked
from traceability.stamps.label_layout import LABEL_SIZES

MAX_STAMPS = 100_000  # per issuance
MAX_REASON = 500  # a revocation's reason


class IssueCreate(Input):
    count: Annotated[int, checked(ge=1, le=MAX_STAMPS)]
    label_size: Annotated[str, checked(enum=LABEL_SIZES)] = "30x40"
    with_pin: bool = False  # a scratch-off PIN printed beside each QR
    # The QR carries the GS1 Digital Link /01/{gtin}/10/{lot}/21/{serial}[?17=YYMMDD]; left out: yes
    # when the product has a GTIN, else the short /T/{serial}.
    digital_link: bool | None = None


class IssueRead(msgspec.Struct):
    id: int
    batch_id: int
    stamp_count: int
    label_size: str
    status: str  # queued | running | done | failed
    progress: int  # stamps rendered so far
    pdf_url: str | None
    zip_url: str | None
    error: str
    created_at: datetime
    finished_at: datetime | None
    page_url: str
    revoked: int = 0  # stamps of this issuance revoked since
    with_pin: bool = False
    digital_link: bool = False  # its QR codes carry the GS1 Digital Link
    # Its files were removed for room (traceability.stamps.budget): without PINs, opening the
    # issuance renders them again; with PINs they are gone for good (the stamps stay valid).
    files_removed: bool = False


class RevokeRequest(Input):
    """One of: a serial; a range from_serial..to_serial (one issuance, as printed); an issuance
    with a seq range; a whole batch. The reason is required."""

    reason: Annotated[str, checked(min_length=1, max_length=MAX_REASON)]
    serial: str | None = None
    from_serial: str | None = None
    to_serial: str | None = None
    issuance_id: Id | None = None
    from_seq: int | None = None
    to_seq: int | None = None
    batch_id: Id | None = None


class RevokeResult(msgspec.Struct):
    revoked: int


class ScanReviewRequest(Input):
    """What the reviewer found, e.g. "Quét thử hàng loạt từ một mạng, tem vẫn trên sản phẩm thật"."""

    reason: str


class ScanWarning(msgspec.Struct):
    """A stamp of the batch whose scans raise the counterfeit warning, with the evidence since its
    last review: distinct client networks and the days on which new ones appeared."""

    serial: str
    networks: int
    days: int
    scans: int


class ScanReviewResult(msgspec.Struct):
    reviewed: list[str]  # the serials whose warning the review cleared


class DiaryItem(msgspec.Struct):
    """One production stage: what, when, where (location code) and of which product (product code)."""

    kind: str
    date: date | None  # the local (Vietnam) date of the event
    occurred_at: datetime | None  # the event time
    label: str
    location_code: str  # the growing area's official code, else our own "area:{id}"
    location_code_kind: str  # official (mã số vùng trồng) | agrimarket (our area id)
    product_code: str  # the GTIN when the product has one, else our "SP{product id}/{lot code}"
    product_code_kind: str  # gtin | agrimarket


class PartnerItem(msgspec.Struct):
    """A supplier (one step back) or a recipient (one step forward) of the batch."""

    kind: str
    kind_label: str
    name: str
    code: str
    address: str
    date: date


class TraceRead(msgspec.Struct):
    """What a stamp proves, with the ten minimum data items of Circular 02/2024/TT-BKHCN."""

    serial: str  # 7: the product's traceability code
    status: str  # active | revoked
    revoked_reason: str
    genuine_warning: bool  # counterfeit suspicion
    warnings: list[str]
    scan_count: int
    product_name: str  # 1
    product_image: str | None  # 2
    producer_name: str  # 3
    producer_kind: str  # household | cooperative
    producer_address: str  # 4: street (when known), commune, province
    stages: list[DiaryItem]  # 5: production stages (event, product code, location code, time)
    location_code: str | None  # 5: the growing area's code, when it has one
    harvest_date: date  # 6: production time
    pack_date: date | None
    gtin: str | None  # 8: brand/serial
    lot_code: str  # 7 with the serial; 8
    expiry_date: date | None  # 9: shelf life
    certifications: list[str]  # 10: standards applied (certifications of the product)
    growing_area_name: str
    growing_area_code: str | None  # None: "chưa có mã vùng trồng"
    growing_area_status: str
    where_to_buy: list[dict]
    product_url: str
    scan_url: str
    brand: str = ""  # 8: brand or trademark, "" when none
    standards: str = ""  # 10: a declared standard of the batch (TCCS, TCVN...), "" when none
    packing_facility_name: str | None = None  # the packing facility (cơ sở đóng gói), when named
    packing_facility_code: str | None = None  # its official code, when issued
    one_step_back: list[PartnerItem] = msgspec.field(default_factory=list)  # who supplied
    one_step_forward: list[PartnerItem] = msgspec.field(default_factory=list)  # who received


class PinCheck(Input):
    pin: str


class PinResult(msgspec.Struct):
    """A correct PIN: whether this entry was the first, and when the first one was (UTC)."""

    serial: str
    first_verification: bool
    first_verified_at: datetime
    message: str
    revoked_reason: str | None = None  # set when the stamp has been revoked since
