"""Batches (lô): create within scope, the diary, PHI clearance, and the facts a scan page shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agrimarket import registry_status
from agrimarket.accounts.actor import Actor, Role
from agrimarket.audit import service as audit
from agrimarket.dates import check_date, years_after
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden, Invalid, NotFound
from agrimarket.products.access import require_writer
from agrimarket.products.catalog import UNITS
from agrimarket.products.service import ensure_writable
from agrimarket.registry_status import UNUSABLE
from agrimarket.tables import Product, ProductPhoto
from agrimarket.text import clean_line
from traceability.areas.access import visible_batches
from traceability.areas.service import usable_area
from traceability.batches import diary, minimum_data
from traceability.batches.events import aware as _aware
from traceability.batches.events import events_of as _events
from traceability.batches.facts import batch_facts
from traceability.batches.schemas import (
    LOT_CODE,
    MAX_CLEAR_REASON,
    MAX_QUANTITY,
    MIN_CLEAR_REASON,
    BatchCreate,
    BatchRead,
    BatchUpdate,
    EventCreate,
    EventRead,
)
from traceability.packing.service import usable_facility
from traceability.tables import Batch, BatchEvent

_COLUMNS = (
    *Batch.all_columns(),
    Batch.product.name.as_alias("product_name"),
    Batch.growing_area.name.as_alias("area_name"),
    Batch.growing_area.official_code.as_alias("area_code"),
    Batch.growing_area.status.as_alias("area_status"),
    Batch.packing_facility.name.as_alias("facility_name"),
    Batch.packing_facility.official_code.as_alias("facility_code"),
)


def not_found() -> NotFound:
    return NotFound("Không tìm thấy lô hàng.", "Batch not found.")


def _read(row: dict, events: list[EventRead]) -> BatchRead:
    return BatchRead(
        id=row["id"],
        product_id=row["product"],
        product_name=row["product_name"],
        growing_area_id=row["growing_area"],
        growing_area_name=row["area_name"],
        growing_area_code=row["area_code"],
        growing_area_status=row["area_status"],
        lot_code=row["lot_code"],
        harvest_date=row["harvest_date"],
        pack_date=row["pack_date"],
        quantity=row["quantity"],
        unit=row["unit"],
        expiry_date=row["expiry_date"],
        flagged=row["flagged"],
        flag_reason=row["flag_reason"],
        cleared=row["cleared_at"] is not None,
        cleared_reason=row["cleared_reason"],
        cleared_by_id=row["cleared_by"],
        cleared_at=_aware(row["cleared_at"]),
        created_at=_aware(row["created_at"]),
        brand=row["brand"],
        standards=row["standards"],
        packing_facility_id=row["packing_facility"],
        packing_facility_name=row["facility_name"],
        packing_facility_code=row["facility_code"],
        events=events,
    )


async def list_batches(actor: Actor, product_id: int | None = None) -> list[BatchRead]:
    query = Batch.select(*_COLUMNS).where(visible_batches(actor))
    if product_id is not None:
        query = query.where(Batch.product == product_id)
    rows = await query.order_by(Batch.created_at, ascending=False)
    return [_read(row, []) for row in rows]


async def get_batch(actor: Actor, batch_id: int) -> BatchRead:
    row = await Batch.select(*_COLUMNS).where(visible_batches(actor)).where(Batch.id == batch_id).first()
    if row is None:
        raise not_found()
    return _read(row, (await _events([batch_id]))[batch_id])


def _clean(data: BatchCreate) -> dict[str, Any]:
    errors: dict[str, tuple[str, str]] = {}
    lot = data.lot_code.strip()
    if not LOT_CODE.match(lot):
        errors["lot_code"] = (
            "Mã lô gồm 1–40 ký tự: chữ không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới.",
            "A lot code has 1–40 characters: letters, digits, dots, hyphens or underscores.",
        )
    if not 0 < data.quantity <= MAX_QUANTITY:
        errors["quantity"] = ("Số lượng phải lớn hơn 0.", "The quantity must be above 0.")
    if data.unit not in UNITS:
        errors["unit"] = ("Hãy chọn đơn vị tính trong danh sách.", "Pick a unit from the list.")
    check_date("harvest_date", data.harvest_date, errors)
    if data.pack_date is not None and data.pack_date < data.harvest_date:
        errors["pack_date"] = (
            "Ngày đóng gói không được trước ngày thu hoạch.",
            "Packing cannot precede harvest.",
        )
    else:
        check_date("pack_date", data.pack_date, errors)
    packed = data.pack_date or data.harvest_date
    if data.expiry_date is not None and data.expiry_date < packed:
        errors["expiry_date"] = (
            "Hạn sử dụng không được trước ngày đóng gói.",
            "The expiry date cannot precede packing.",
        )
    else:
        check_date("expiry_date", data.expiry_date, errors, latest=years_after(packed))
    labels = _label_texts({"brand": data.brand, "standards": data.standards}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    return labels | {
        "lot_code": lot,
        "harvest_date": data.harvest_date,
        "pack_date": data.pack_date,
        "quantity": float(data.quantity),
        "unit": data.unit,
        "expiry_date": data.expiry_date,
    }


LABEL_LIMITS = {"brand": 100, "standards": 200}


def _label_texts(values: dict[str, str | None], errors: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Brand and declared standards, whitespace collapsed; too long ones go to ``errors``."""
    cleaned = {}
    for field, value in values.items():
        if value is None:
            continue
        text = clean_line(str(value))
        if len(text) > LABEL_LIMITS[field]:
            errors[field] = (
                f"Tối đa {LABEL_LIMITS[field]} ký tự.",
                f"At most {LABEL_LIMITS[field]} characters.",
            )
        cleaned[field] = text
    return cleaned


async def update_labels(actor: Actor, batch_id: int, data: BatchUpdate) -> None:
    """Fill in or change the brand, the declared standards or the packing facility (writers only)."""
    batch = await writable_batch(actor, batch_id)
    errors: dict[str, tuple[str, str]] = {}
    values: dict[str, Any] = _label_texts({"brand": data.brand, "standards": data.standards}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    if data.packing_facility_id is not None:
        await usable_facility(actor, data.packing_facility_id)
        values["packing_facility"] = data.packing_facility_id
    old = {"brand": batch.brand, "standards": batch.standards, "packing_facility": batch.packing_facility_id}
    changes = {f: {"from": old[f], "to": v} for f, v in values.items() if old[f] != v}
    if not changes:
        return
    async with write_transaction():
        await Batch.update({getattr(Batch, f): v for f, v in values.items()}).where(Batch.id == batch_id)
        await audit.record(actor, "batch", batch_id, "update", changes)


GS1_LOT_MAX = 20  # GS1 AI 10 (batch/lot number): up to 20 characters of set 82


async def create_batch(actor: Actor, data: BatchCreate) -> int:
    """Product writable by the actor, area visible and usable (not suspended/revoked: 409)."""
    await ensure_writable(actor, data.product_id)
    await usable_area(actor, data.growing_area_id)
    fields = _clean(data)
    if data.packing_facility_id is not None:
        await usable_facility(actor, data.packing_facility_id)  # 409 when suspended or revoked
        fields["packing_facility"] = data.packing_facility_id
    owner = (
        await Product.select(Product.owner_household, Product.owner_cooperative, Product.gtin)
        .where(Product.id == data.product_id)
        .first()
    )
    assert owner is not None
    if owner["gtin"] and len(fields["lot_code"]) > GS1_LOT_MAX:
        # Its stamps carry the lot in a GS1 Digital Link (AI 10: at most 20 characters).
        raise Invalid(
            "lot_code",
            f"Sản phẩm có mã GTIN nên mã lô được in trong mã QR GS1 Digital Link: tối đa {GS1_LOT_MAX} ký tự.",
            f"The product has a GTIN, so the lot code goes into a GS1 Digital Link QR: at most {GS1_LOT_MAX} characters.",
        )
    prefix = (
        f"h:{owner['owner_household']}" if owner["owner_household"] else f"c:{owner['owner_cooperative']}"
    )
    key = f"{prefix}/{fields['lot_code'].upper()}"
    if await Batch.exists().where(Batch.owner_lot_key == key):
        raise Conflict(
            f"Mã lô {fields['lot_code']} đã được dùng cho một lô khác của cùng chủ sở hữu.",
            f"The lot code {fields['lot_code']} is already used by another batch of the same owner.",
        )
    batch = Batch(
        **fields,
        product=data.product_id,
        growing_area=data.growing_area_id,
        owner_lot_key=key,
        created_by=actor.user_id,
        created_at=datetime.now(UTC),
    )
    async with write_transaction():
        await batch.save()
        await audit.record(
            actor,
            "batch",
            batch.id,
            "create",
            fields | {"product": data.product_id, "growing_area": data.growing_area_id},
        )
    await diary.recheck_phi(batch.id)
    return batch.id


async def writable_batch(actor: Actor, batch_id: int) -> BatchRead:
    batch = await get_batch(actor, batch_id)
    require_writer(actor)
    return batch


async def add_event(actor: Actor, batch_id: int, data: EventCreate) -> int:
    """One diary entry (author = the actor); a harvest inside a PHI flags the batch."""
    batch = await writable_batch(actor, batch_id)
    details = diary.clean_details(data.kind, data.details)
    occurred_at = diary.clean_time(data.occurred_at)
    area_id = data.growing_area_id or batch.growing_area_id
    await usable_area(actor, area_id)
    event = BatchEvent(
        batch=batch_id,
        kind=data.kind,
        occurred_at=occurred_at,
        growing_area=area_id,
        author=actor.user_id,
        details=details,
        created_at=datetime.now(UTC),
    )
    async with write_transaction():
        await event.save()
        await audit.record(actor, "batch", batch_id, f"event_{data.kind}", {"event": event.id, **details})
    if data.kind in ("harvesting", "input_use"):
        await diary.recheck_phi(batch_id)
    return event.id


async def clear_flag(actor: Actor, batch_id: int, reason: str) -> None:
    """A coop manager of the owner, an officer of the area or an admin clears a PHI flag, in writing."""
    batch = await get_batch(actor, batch_id)  # 404 outside scope
    if actor.role not in (Role.COOP_MANAGER, Role.OFFICER, Role.ADMIN):
        raise Forbidden(
            "Chỉ quản lý hợp tác xã, cán bộ nông nghiệp của địa bàn hoặc quản trị viên được xác nhận lô bị gắn cờ.",
            "Only the cooperative's manager, an officer of the area or an admin may clear a flagged batch.",
        )
    if actor.role == Role.COOP_MANAGER:
        await _manager_may_clear(actor, batch_id)
    reason = clean_line(str(reason or ""))
    if not MIN_CLEAR_REASON <= len(reason) <= MAX_CLEAR_REASON:
        raise Invalid(
            "reason",
            "Hãy ghi rõ lý do xác nhận (10–1000 ký tự).",
            "Write the reason for clearing (10–1000 characters).",
        )
    if not batch.flagged or batch.cleared:
        raise Conflict("Lô hàng không có cờ cần xác nhận.", "The batch has no flag to clear.")
    async with write_transaction():
        await Batch.update(
            {
                Batch.cleared_by: actor.user_id,
                Batch.cleared_reason: reason,
                Batch.cleared_at: datetime.now(UTC),
            }
        ).where(Batch.id == batch_id)
        await audit.record(actor, "batch", batch_id, "flag_cleared", {"reason": reason})


async def _manager_may_clear(actor: Actor, batch_id: int) -> None:
    """A coop manager clears only a member household's batch (membership is the household's
    consent), never the cooperative's own (the owner would clear itself), and only once an officer
    verified the cooperative: a self-made cooperative cannot clear its maker's flags."""
    owner = Batch.product._.owner_household
    row = (
        await Batch.select(
            owner.as_alias("household"),
            owner.cooperative.as_alias("coop"),
            owner._.cooperative.status.as_alias("coop_status"),
        )
        .where(Batch.id == batch_id)
        .first()
    )
    if (
        not row
        or not row["household"]
        or row["coop"] != actor.cooperative_id
        or row["coop_status"] != "verified"
    ):
        raise Forbidden(
            "Quản lý HTX chỉ xác nhận được lô của hộ thành viên khi HTX đã được xác minh; lô của chính "
            "HTX do cán bộ nông nghiệp của địa bàn hoặc quản trị viên xác nhận.",
            "A coop manager may clear only a member household's batch, once the cooperative is "
            "verified; the cooperative's own batches are cleared by an officer of the area or an admin.",
        )


async def assert_stampable(batch_id: int) -> None:
    """Stamps may be issued unless the batch is flagged and not yet cleared, its growing area was
    suspended or revoked since (409: a new stamp would vouch for an origin no longer recognised), or
    it lacks a required item of Circular 02/2024 (409 naming every missing item)."""
    row = (
        await Batch.select(
            Batch.flagged,
            Batch.cleared_at,
            Batch.flag_reason,
            Batch.growing_area.status.as_alias("area_status"),
            Batch.growing_area.status_reason.as_alias("area_reason"),
            Batch.packing_facility.status.as_alias("facility_status"),
            Batch.packing_facility.status_reason.as_alias("facility_reason"),
        )
        .where(Batch.id == batch_id)
        .first()
    )
    if row is None:
        raise not_found()
    if row["flagged"] and row["cleared_at"] is None:
        raise Conflict(
            f"Lô hàng đang bị gắn cờ ({row['flag_reason']}) và cần được xác nhận trước khi in tem.",
            f"The batch is flagged ({row['flag_reason']}) and must be cleared before stamps are printed.",
        )
    if row["area_status"] in ("suspended", "revoked"):
        word = ("đình chỉ", "suspended") if row["area_status"] == "suspended" else ("thu hồi", "revoked")
        raise Conflict(
            f"Vùng trồng của lô đã bị {word[0]} ({row['area_reason']}), không thể in tem mới.",
            f"The batch's growing area was {word[1]} ({row['area_reason']}): no new stamps.",
        )
    if row["facility_status"] in UNUSABLE:
        raise registry_status.unusable(
            row["facility_status"],
            row["facility_reason"],
            "cơ sở đóng gói của lô",
            "the batch's packing facility",
        )
    lacking = await _lacking(batch_id)
    if lacking:
        raise Conflict(*minimum_data.messages(lacking))


async def _lacking(batch_id: int) -> list[str]:
    facts = await batch_facts(batch_id)
    has_photo = await ProductPhoto.exists().where(ProductPhoto.product == facts.product.id)
    return minimum_data.missing(
        has_photo=has_photo,
        has_stages=bool(facts.diary),
        has_standards=bool(facts.product.certifications or facts.standards),
    )


async def missing_items(batch_id: int) -> list[tuple[str, str]]:
    """(Vietnamese, English) of each required minimum-data item the batch lacks, for its page."""
    return [minimum_data.ITEMS[name] for name in await _lacking(batch_id)]
