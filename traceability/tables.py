"""Tables of the traceability app: growing areas, batches with their diary, stamps and scans."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from agrimarket.tables import Commune, Cooperative, Household, Product, User


class GrowingArea(Table):
    """A growing area (vùng trồng), with its official code (mã số vùng trồng) once issued."""

    id = Serial(primary_key=True)
    name = Varchar(length=150)
    crop = Varchar(length=100)
    area_ha = DoublePrecision()
    commune = ForeignKey(Commune, on_delete=OnDelete.restrict, index=True)
    # Exactly one owner, like a product: a household or a cooperative.
    owner_household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    owner_cooperative = ForeignKey(
        Cooperative, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    gps_lat = DoublePrecision(null=True, default=None)
    gps_lng = DoublePrecision(null=True, default=None)
    # Stored as issued (trimmed, upper-case); None while the area has no official code.
    official_code = Varchar(length=40, null=True, default=None, unique=True)
    code_kind = Varchar(length=10, null=True, default=None)  # domestic | export
    export_market = Varchar(length=60, null=True, default=None)  # importing market an export code is for
    valid_from = Date(null=True, default=None)
    valid_until = Date(null=True, default=None)
    status = Varchar(length=12, default="unverified", index=True)  # unverified|verified|suspended|revoked
    status_reason = Text(default="")
    status_changed_at = Timestamptz(null=True, default=None)
    status_changed_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class PackingFacility(Table):
    """A packing facility (cơ sở đóng gói), with its official code once issued; a register like
    GrowingArea's, with the same owners, scope and status lifecycle."""

    id = Serial(primary_key=True)
    name = Varchar(length=150)
    address = Varchar(length=300, default="")
    commune = ForeignKey(Commune, on_delete=OnDelete.restrict, index=True)
    owner_household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    owner_cooperative = ForeignKey(
        Cooperative, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    official_code = Varchar(length=40, null=True, default=None, unique=True)
    export_market = Varchar(length=60, null=True, default=None)  # the market an export code is for
    status = Varchar(length=12, default="unverified", index=True)  # unverified|verified|suspended|revoked
    status_reason = Text(default="")
    status_changed_at = Timestamptz(null=True, default=None)
    status_changed_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Batch(Table):
    """A lot (lô) of one product from one growing area."""

    id = Serial(primary_key=True)
    product = ForeignKey(Product, on_delete=OnDelete.restrict, index=True)
    growing_area = ForeignKey(GrowingArea, on_delete=OnDelete.restrict, index=True)
    lot_code = Varchar(length=40)
    # "h:{household id}/{lot}" or "c:{cooperative id}/{lot}": makes the lot code unique per owner.
    owner_lot_key = Varchar(length=64, unique=True)
    harvest_date = Date()
    pack_date = Date(null=True, default=None)
    quantity = DoublePrecision()
    unit = Varchar(length=20)
    expiry_date = Date(null=True, default=None)
    # Circular 02/2024 items 8 and 10 beyond the product's GTIN and certifications: the brand or
    # trademark on this lot's packaging, and a declared standard (TCCS, TCVN, QCVN...) it follows.
    brand = Varchar(length=100, default="")
    standards = Varchar(length=200, default="")
    packing_facility = ForeignKey(PackingFacility, null=True, default=None, on_delete=OnDelete.restrict)
    # A harvest inside a pesticide's pre-harvest interval flags the batch until it is cleared.
    flagged = Boolean(default=False)
    flag_reason = Text(default="")
    cleared_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    cleared_reason = Text(default="")
    cleared_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class BatchEvent(Table):
    """One entry of the farming diary, shaped after an EPCIS ObjectEvent."""

    id = Serial(primary_key=True)
    batch = ForeignKey(Batch, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)  # planting|input_use|irrigation|harvesting|packing|shipping
    occurred_at = Timestamptz()
    growing_area = ForeignKey(GrowingArea, null=True, default=None, on_delete=OnDelete.set_null)
    author = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    # Kind-specific facts, e.g. input use: product, active_ingredient, dose, phi_days; shipping: to.
    details = JSON(default={})
    created_at = Timestamptz()


class BatchPartner(Table):
    """ "One step back, one step forward": who supplied the batch's inputs or produce (a member
    household, an input dealer...) and who received it (buyer, packer, distributor...)."""

    id = Serial(primary_key=True)
    batch = ForeignKey(Batch, on_delete=OnDelete.cascade, index=True)
    direction = Varchar(length=10)  # supplier | recipient
    kind = Varchar(length=20)  # see traceability.batches.partners.KINDS
    # A member household of the batch's cooperative, when the supplier is one (name copied at entry).
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.set_null)
    name = Varchar(length=150)
    code = Varchar(length=40, default="")  # tax code, GLN, facility code... as the partner states it
    address = Varchar(length=300, default="")
    on_date = Date()  # when it was supplied or received
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class StampIssue(Table):
    """One issuance of stamps for a batch; large ones render in the background."""

    id = Serial(primary_key=True)
    batch = ForeignKey(Batch, on_delete=OnDelete.restrict, index=True)
    stamp_count = Integer()
    label_size = Varchar(length=10)  # e.g. 30x40, 50x30 (mm)
    with_pin = Boolean(default=False)  # each label carries a PIN under a scratch-off layer
    # The QR carries the GS1 Digital Link /01/{gtin}/10/{lot}/21/{serial} (traceability.stamps.digital_link)
    digital_link = Boolean(default=False)
    status = Varchar(length=10, default="queued", index=True)  # queued|running|done|failed
    progress = Integer(default=0)  # stamps rendered so far
    sheet_key = Varchar(length=200, null=True, default=None)  # PDF in media storage
    zip_key = Varchar(length=200, null=True, default=None)  # PNGs for label printers
    error = Text(default="")
    claimed_until = Timestamptz(null=True, default=None)  # a worker's lease on the job
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    # The disk budget (traceability.stamps.budget): bytes of the PDF + ZIP, and when they were
    # removed to make room (a sheet without PINs is rendered again on demand).
    file_bytes = BigInt(default=0)
    files_removed_at = Timestamptz(null=True, default=None)


class Stamp(Table):
    id = Serial(primary_key=True)
    serial = Varchar(length=26, unique=True)
    batch = ForeignKey(Batch, on_delete=OnDelete.restrict, index=True)
    issuance = ForeignKey(StampIssue, on_delete=OnDelete.restrict, index=True)
    seq = Integer()  # position within its issue: ranges are revoked by it
    status = Varchar(length=10, default="issued")  # issued|active|revoked
    revoked_reason = Text(default="")
    revoked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    # Kept by a trigger on scan inserts (migration 2026-11-23T20:14:57), so a scan reads its
    # stamp's counts instead of counting every earlier scan of a much-scanned stamp.
    scan_count = Integer(default=0)
    client_count = Integer(default=0)  # distinct client hashes
    # HMAC-SHA256 of the scratch-off PIN (the PIN itself exists only on the printed label); written
    # when the label sheet is rendered, so None until then and for issuances without PINs.
    pin_hash = Varchar(length=64, null=True, default=None)
    pin_verified_at = Timestamptz(null=True, default=None)  # the first correct PIN entry
    # The counterfeit warning's evidence, kept by the same trigger (migration 2026-12-04T18:50:00):
    # distinct client networks (/24, /48) and the distinct days on which a network new to the stamp
    # scanned it; a review remembers both, and only what came after it counts again.
    network_count = Integer(default=0)
    spread_days = Integer(default=0)
    reviewed_networks = Integer(default=0)
    reviewed_days = Integer(default=0)
    scans_reviewed_at = Timestamptz(null=True, default=None)


class Scan(Table):
    """A scan of a stamp. The client address is never stored, only a keyed hash of it."""

    id = Serial(primary_key=True)
    stamp = ForeignKey(Stamp, on_delete=OnDelete.cascade, index=True)
    scanned_at = Timestamptz(index=True)
    client_hash = Varchar(length=64)
    network_hash = Varchar(length=64, default="")  # keyed hash of the client's /24 (IPv4) or /48 (IPv6)
    day = Integer(default=0)  # the Vietnam calendar day of the scan, as days since 1970-01-01
    device = Varchar(length=10)  # mobile|desktop|bot|other


class StampNetwork(Table):
    """Each network a stamp was scanned from, with its first scan: written by the scan trigger only."""

    id = Serial(primary_key=True)
    stamp = ForeignKey(Stamp, on_delete=OnDelete.cascade)  # unique with network_hash (the migration)
    network_hash = Varchar(length=64)
    first_day = Integer()
    first_scan = Integer()  # the id of that scan: the trigger knows the network was new with it
