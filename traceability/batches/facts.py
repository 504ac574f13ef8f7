"""What a public scan page and the trace answer show of a batch: the Circular 02/2024 items, no scope.

Built once per batch and cached by the scan (traceability.stamps.scan), so every fact a page shows
is gathered here and nothing is looked up per request.
"""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from agrimarket.clock import local_date, to_local
from agrimarket.errors import NotFound
from traceability.batches import minimum_data
from traceability.batches.events import events_of
from traceability.batches.kinds import PARTNER_KINDS, event_label_zh
from traceability.tables import Batch, BatchPartner, GrowingArea


class ProductFacts(msgspec.Struct, frozen=True):
    id: int
    name: str
    gtin: str | None
    code: str  # the GTIN when the product has one, else our "SP{product id}/{lot code}"
    code_kind: str  # gtin | agrimarket
    certifications: list[str]


class OwnerFacts(msgspec.Struct, frozen=True):
    kind: str  # household | cooperative
    name: str
    commune: str | None
    province: str | None
    address: str  # street (when known), commune, province


class AreaFacts(msgspec.Struct, frozen=True):
    id: int
    name: str
    crop: str
    code: str | None  # None: "chưa có mã vùng trồng"
    location_code: str  # the official code, else our own "area:{id}"
    location_code_kind: str  # official | agrimarket
    status: str
    code_kind: str | None
    export_market: str | None
    commune: str | None
    province: str | None


class FacilityFacts(msgspec.Struct, frozen=True):
    id: int
    name: str
    code: str | None  # None: no official code yet
    status: str
    commune: str | None


class DiaryFacts(msgspec.Struct, frozen=True):
    """One production stage with the location code of the area it happened in."""

    kind: str
    date: date | None  # the local (Vietnam) date
    occurred_at: datetime | None
    local_time: str  # as the page prints it
    local_iso: str  # the same moment, machine-readable (the page's <time datetime>)
    label_vi: str
    label_en: str
    label_zh: str  # the Chinese scan page's
    location_code: str
    location_code_kind: str


class PartnerFacts(msgspec.Struct, frozen=True):
    kind: str
    kind_vi: str
    kind_en: str
    name: str
    code: str
    address: str
    date: date


class BatchFacts(msgspec.Struct, frozen=True):
    """A batch's public facts: what a scan page and the trace answer show (Circular 02/2024)."""

    batch_id: int
    lot_code: str
    brand: str
    standards: str
    product: ProductFacts
    owner: OwnerFacts
    growing_area: AreaFacts
    packing_facility: FacilityFacts | None
    harvest_date: date
    pack_date: date | None
    expiry_date: date | None
    quantity: float
    unit: str
    flagged: bool
    diary: list[DiaryFacts]
    suppliers: list[PartnerFacts]  # one step back
    recipients: list[PartnerFacts]  # one step forward


def _address(street: str | None, commune: str | None, province: str | None) -> str:
    return ", ".join(part for part in ((street or "").strip(), commune, province) if part)


async def _area_codes(area_ids: set[int]) -> dict[int, str | None]:
    if not area_ids:
        return {}
    rows = await GrowingArea.select(GrowingArea.id, GrowingArea.official_code).where(
        GrowingArea.id.is_in(list(area_ids))
    )
    return {row["id"]: row["official_code"] for row in rows}


async def _partners(batch_id: int) -> dict[str, list[PartnerFacts]]:
    """Suppliers ("one step back") and recipients ("one step forward"), oldest first."""
    found: dict[str, list[PartnerFacts]] = {"supplier": [], "recipient": []}
    rows = (
        await BatchPartner.select()
        .where(BatchPartner.batch == batch_id)
        .order_by(BatchPartner.on_date)
        .order_by(BatchPartner.id)
    )
    for r in rows:
        vi, en = PARTNER_KINDS.get(r["direction"], {}).get(r["kind"], (r["kind"], r["kind"]))
        found.setdefault(r["direction"], []).append(
            PartnerFacts(
                kind=r["kind"],
                kind_vi=vi,
                kind_en=en,
                name=r["name"],
                code=r["code"],
                address=r["address"],
                date=r["on_date"],
            )
        )
    return found


async def batch_facts(batch_id: int) -> BatchFacts:
    """The batch's public facts (no scope: the stamp is public). Raises NotFound."""
    row = (
        await Batch.select(
            *Batch.all_columns(),
            Batch.product.name.as_alias("product_name"),
            Batch.product.gtin.as_alias("gtin"),
            Batch.product.certifications.as_alias("certifications"),
            Batch.product._.owner_household.head_name.as_alias("household_name"),
            Batch.product._.owner_household.address.as_alias("household_street"),
            Batch.product._.owner_household._.commune.name.as_alias("household_commune"),
            Batch.product._.owner_household._.commune._.province.name.as_alias("household_province"),
            Batch.product._.owner_cooperative.name.as_alias("cooperative_name"),
            Batch.product._.owner_cooperative.address.as_alias("cooperative_street"),
            Batch.product._.owner_cooperative._.commune.name.as_alias("cooperative_commune"),
            Batch.product._.owner_cooperative._.commune._.province.name.as_alias("cooperative_province"),
            Batch.growing_area.name.as_alias("area_name"),
            Batch.growing_area.official_code.as_alias("area_code"),
            Batch.growing_area.status.as_alias("area_status"),
            Batch.growing_area.code_kind.as_alias("area_code_kind"),
            Batch.growing_area.export_market.as_alias("area_export_market"),
            Batch.growing_area.crop.as_alias("area_crop"),
            Batch.growing_area._.commune.name.as_alias("area_commune"),
            Batch.growing_area._.commune._.province.name.as_alias("area_province"),
            Batch.packing_facility.name.as_alias("facility_name"),
            Batch.packing_facility.official_code.as_alias("facility_code"),
            Batch.packing_facility.status.as_alias("facility_status"),
            Batch.packing_facility._.commune.name.as_alias("facility_commune"),
        )
        .where(Batch.id == batch_id)
        .first()
        .output(load_json=True)
    )
    if row is None:
        raise NotFound("Không tìm thấy lô hàng.", "Batch not found.")
    side = "household" if row["household_name"] else "cooperative"
    events = (await events_of([batch_id]))[batch_id]
    codes = await _area_codes({e.growing_area_id for e in events if e.growing_area_id})
    product_code, product_code_kind = minimum_data.product_code(row["gtin"], row["product"], row["lot_code"])
    area_code, area_code_kind = minimum_data.location_code(row["area_code"], row["growing_area"])
    diary = []
    for e in events:
        # An entry made in another of the owner's areas names that area's code, not the batch's.
        area_id = e.growing_area_id or row["growing_area"]
        code, kind = minimum_data.location_code(codes.get(area_id, row["area_code"]), area_id)
        diary.append(
            DiaryFacts(
                kind=e.kind,
                date=local_date(e.occurred_at),
                occurred_at=e.occurred_at,
                local_time=f"{to_local(e.occurred_at):%H:%M %d/%m/%Y}",
                local_iso=to_local(e.occurred_at).isoformat(timespec="minutes"),
                label_vi=e.label_vi,
                label_en=e.label_en,
                label_zh=event_label_zh(e.kind, e.details),
                location_code=code,
                location_code_kind=kind,
            )
        )
    partners = await _partners(batch_id)
    return BatchFacts(
        batch_id=row["id"],
        lot_code=row["lot_code"],
        brand=row["brand"],
        standards=row["standards"],
        product=ProductFacts(
            id=row["product"],
            name=row["product_name"],
            gtin=row["gtin"],
            code=product_code,
            code_kind=product_code_kind,
            certifications=list(row["certifications"] or []),
        ),
        owner=OwnerFacts(
            kind=side,
            name=row[f"{side}_name"],
            commune=row[f"{side}_commune"],
            province=row[f"{side}_province"],
            address=_address(row[f"{side}_street"], row[f"{side}_commune"], row[f"{side}_province"]),
        ),
        growing_area=AreaFacts(
            id=row["growing_area"],
            name=row["area_name"],
            crop=row["area_crop"],
            code=row["area_code"],
            location_code=area_code,
            location_code_kind=area_code_kind,
            status=row["area_status"],
            code_kind=row["area_code_kind"],
            export_market=row["area_export_market"],
            commune=row["area_commune"],
            province=row["area_province"],
        ),
        packing_facility=None
        if row["packing_facility"] is None
        else FacilityFacts(
            id=row["packing_facility"],
            name=row["facility_name"],
            code=row["facility_code"],
            status=row["facility_status"],
            commune=row["facility_commune"],
        ),
        harvest_date=row["harvest_date"],
        pack_date=row["pack_date"],
        expiry_date=row["expiry_date"],
        quantity=row["quantity"],
        unit=row["unit"],
        flagged=bool(row["flagged"] and row["cleared_at"] is None),
        diary=diary,
        suppliers=partners.get("supplier", []),
        recipients=partners.get("recipient", []),
    )
