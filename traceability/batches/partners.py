""" "One step back, one step forward" (Circular 02/2024): who supplied a batch and who received it.

Suppliers of a cooperative's batch are typically its member households: naming one by id copies
its name and commune, and only a current member of the batch's cooperative may be named.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.dates import check_date
from agrimarket.db import write_transaction
from agrimarket.errors import Invalid, NotFound
from agrimarket.tables import Household
from agrimarket.text import clean_line
from traceability.batches.kinds import PARTNER_KINDS as KINDS
from traceability.batches.kinds import partner_label as kind_label
from traceability.batches.schemas import PartnerCreate, PartnerRead
from traceability.batches.service import get_batch, writable_batch
from traceability.tables import Batch, BatchPartner

MAX_PER_BATCH = 500


def _text(value: str, limit: int, field: str, errors: dict) -> str:
    text = clean_line(str(value or ""))
    if len(text) > limit:
        errors[field] = (f"Tối đa {limit} ký tự.", f"At most {limit} characters.")
    return text


async def _coop_of(batch_id: int) -> int | None:
    row = (
        await Batch.select(Batch.product.owner_cooperative.as_alias("coop"))
        .where(Batch.id == batch_id)
        .first()
    )
    return row["coop"] if row else None


async def _member(batch_id: int, household_id: int) -> dict:
    """The household, if it is a current member of the cooperative owning the batch's product."""
    batch = (
        await Batch.select(Batch.product.owner_cooperative.as_alias("coop"))
        .where(Batch.id == batch_id)
        .first()
    )
    assert batch is not None
    coop = batch["coop"]
    row = (
        await Household.select(Household.head_name, Household.commune.name.as_alias("commune"))
        .where((Household.id == household_id) & (Household.cooperative == coop))
        .first()
        if coop
        else None
    )
    if row is None:
        raise Invalid(
            "household_id",
            "Chỉ chọn được hộ đang là thành viên của hợp tác xã sở hữu lô hàng.",
            "Only a current member household of the cooperative owning the batch can be named.",
        )
    return row


async def add_partner(actor: Actor, batch_id: int, data: PartnerCreate) -> int:
    """Record a supplier or recipient (writers of the batch); audited with the batch."""
    await writable_batch(actor, batch_id)
    errors: dict[str, tuple[str, str]] = {}
    if data.direction not in KINDS:
        errors["direction"] = ("Chọn bên cung cấp hoặc bên nhận.", "Choose supplier or recipient.")
    elif data.kind not in KINDS[data.direction]:
        errors["kind"] = ("Hãy chọn loại trong danh sách.", "Pick a kind from the list.")
    name = _text(data.name, 150, "name", errors)
    code = _text(data.code, 40, "code", errors)
    address = _text(data.address, 300, "address", errors)
    check_date("on_date", data.on_date, errors)
    if data.household_id is None and not name:
        errors["name"] = ("Không được để trống.", "Required.")
    if errors:
        raise Invalid.from_fields(errors)
    if data.household_id is not None:
        if data.direction != "supplier":
            raise Invalid(
                "household_id", "Hộ thành viên chỉ là bên cung cấp.", "A member household only supplies."
            )
        member = await _member(batch_id, data.household_id)
        name, address = name or member["head_name"], address or member["commune"]
    if await BatchPartner.count().where(BatchPartner.batch == batch_id) >= MAX_PER_BATCH:
        raise Invalid("name", "Lô đã có quá nhiều bên liên quan.", "The batch has too many partners.")
    partner = BatchPartner(
        batch=batch_id,
        direction=data.direction,
        kind=data.kind,
        household=data.household_id,
        name=name,
        code=code,
        address=address,
        on_date=data.on_date,
        created_by=actor.user_id,
        created_at=datetime.now(UTC),
    )
    async with write_transaction():
        await partner.save()
        changes = {"partner": partner.id, "direction": data.direction, "kind": data.kind, "name": name}
        await audit.record(actor, "batch", batch_id, f"{data.direction}_added", changes)
    return partner.id


async def remove_partner(actor: Actor, batch_id: int, partner_id: int) -> None:
    await writable_batch(actor, batch_id)
    row = (
        await BatchPartner.select()
        .where((BatchPartner.id == partner_id) & (BatchPartner.batch == batch_id))
        .first()
    )
    if row is None:
        raise NotFound("Không tìm thấy bên liên quan này của lô.", "No such partner of the batch.")
    async with write_transaction():
        await BatchPartner.delete().where(BatchPartner.id == partner_id)
        changes = {"partner": partner_id, "kind": row["kind"], "name": row["name"]}
        await audit.record(actor, "batch", batch_id, f"{row['direction']}_removed", changes)


async def partners_of(batch_id: int, lang: str = "vi") -> list[PartnerRead]:
    rows = (
        await BatchPartner.select()
        .where(BatchPartner.batch == batch_id)
        .order_by(BatchPartner.on_date)
        .order_by(BatchPartner.id)
    )
    return [
        PartnerRead(
            id=r["id"],
            direction=r["direction"],
            kind=r["kind"],
            kind_label=kind_label(r["direction"], r["kind"], lang),
            name=r["name"],
            household_id=r["household"],
            code=r["code"],
            address=r["address"],
            on_date=r["on_date"],
        )
        for r in rows
    ]


async def list_partners(actor: Actor, batch_id: int, lang: str = "vi") -> list[PartnerRead]:
    await get_batch(actor, batch_id)  # 404 outside scope
    return await partners_of(batch_id, lang)


async def member_choices(batch_id: int) -> list[dict]:
    """Current member households of the cooperative owning the batch's product ({id, head_name})."""
    coop = await _coop_of(batch_id)
    if coop is None:
        return []
    return (
        await Household.select(Household.id, Household.head_name)
        .where(Household.cooperative == coop)
        .order_by(Household.head_name)
    )
