"""Packing facilities (cơ sở đóng gói): register, read within scope, the officer's verify / suspend /
revoke, and which facility a batch may name. Owners, scope, code rule and status lifecycle are the
growing areas' (traceability.areas.access, .fields and traceability.registry_status)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agrimarket import registry_status
from agrimarket.accounts.actor import Actor
from agrimarket.areas.service import get_commune
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden, Invalid, NotFound
from agrimarket.products.access import new_record_owner
from agrimarket.text import clean_line
from traceability.areas.access import visible_registered
from traceability.areas.fields import clean_code
from traceability.packing.schemas import MAX_EXPORT_MARKET, MAX_NAME, FacilityCreate, FacilityRead
from traceability.tables import PackingFacility

NOUN = ("cơ sở đóng gói", "the packing facility")
CODE_NOUN = ("Mã số cơ sở đóng gói", "The packing-facility code")
_COLUMNS = (
    *PackingFacility.all_columns(),
    PackingFacility.commune.name.as_alias("commune_name"),
    PackingFacility.commune._.province.name.as_alias("province_name"),
    PackingFacility.owner_household.head_name.as_alias("household_name"),
    PackingFacility.owner_cooperative.name.as_alias("cooperative_name"),
)


def not_found() -> NotFound:
    return NotFound("Không tìm thấy cơ sở đóng gói.", "Packing facility not found.")


def _read(row: dict[str, Any]) -> FacilityRead:
    household = row["owner_household"]
    return FacilityRead(
        id=row["id"],
        name=row["name"],
        address=row["address"],
        commune_code=row["commune"],
        commune_name=row["commune_name"],
        province_name=row["province_name"],
        owner_kind="household" if household else "cooperative",
        owner_id=household or row["owner_cooperative"],
        owner_name=row["household_name"] if household else row["cooperative_name"],
        official_code=row["official_code"],
        export_market=row["export_market"],
        status=row["status"],
        status_reason=row["status_reason"],
        status_changed_at=row["status_changed_at"],
        created_at=row["created_at"],
    )


def _text(value: str | None, limit: int, field: str, errors: dict, required: bool = False) -> str:
    text = clean_line(str(value or ""))
    if required and not text:
        errors[field] = ("Không được để trống.", "Required.")
    elif len(text) > limit:
        errors[field] = (f"Dài quá {limit} ký tự.", f"Longer than {limit} characters.")
    return text


def _clean(data: FacilityCreate) -> dict[str, Any]:
    errors: dict[str, tuple[str, str]] = {}
    fields: dict[str, Any] = {
        "name": _text(data.name, MAX_NAME, "name", errors, required=True),
        "address": _text(data.address, 300, "address", errors),
        "export_market": _text(data.export_market, MAX_EXPORT_MARKET, "export_market", errors) or None,
    }
    try:
        fields["official_code"] = clean_code(data.official_code, noun=CODE_NOUN)
    except Invalid as exc:
        errors.update(exc.field_messages)
    if errors:
        raise Invalid.from_fields(errors)
    return fields


async def create_facility(actor: Actor, data: FacilityCreate) -> int:
    owner = await new_record_owner(
        actor,
        data.owner_household_id,
        not_own=Forbidden(
            "Bạn chỉ đăng ký được cơ sở đóng gói của hộ mình.",
            "You can only register your own household's packing facilities.",
        ),
        choose_owner=Invalid(
            "owner_household_id", "Hãy chọn hộ sở hữu cơ sở.", "Choose the household that owns the facility."
        ),
    )
    fields = _clean(data)
    commune = await get_commune(data.commune_code)
    code = fields["official_code"]
    if code and await PackingFacility.exists().where(PackingFacility.official_code == code):
        raise Conflict(
            f"Mã số cơ sở đóng gói {code} đã được đăng ký cho một cơ sở khác.",
            f"The packing-facility code {code} is already registered to another facility.",
        )
    facility = PackingFacility(
        **fields,
        # Table.__init__ takes columns as **kwargs beside _data/_ignore_missing: mypy matches owner to those.
        **owner,  # type: ignore[arg-type]
        commune=commune["code"],
        created_by=actor.user_id,
        created_at=datetime.now(UTC),
    )
    async with write_transaction():
        await facility.save()
        await audit.record(
            actor, "packing_facility", facility.id, "create", fields | {"commune": commune["code"]}
        )
    return facility.id


async def get_facility(actor: Actor, facility_id: int) -> FacilityRead:
    row = (
        await PackingFacility.select(*_COLUMNS)
        .where(visible_registered(PackingFacility, actor))
        .where(PackingFacility.id == facility_id)
        .first()
    )
    if row is None:
        raise not_found()
    return _read(row)


async def list_facilities(actor: Actor, status: str | None = None) -> list[FacilityRead]:
    query = PackingFacility.select(*_COLUMNS).where(visible_registered(PackingFacility, actor))
    if status:
        query = query.where(PackingFacility.status == status)
    return [_read(row) for row in await query.order_by(PackingFacility.created_at, ascending=False)]


async def change_status(actor: Actor, facility_id: int, status: str, reason: str = "") -> None:
    """Officer of the facility's area (or admin): verify, suspend or revoke (reason for the last two)."""
    facility = await get_facility(actor, facility_id)  # 404 outside the officer's scope
    registry_status.may_judge(actor, *NOUN)
    await registry_status.change_status(
        PackingFacility, "packing_facility", facility_id, facility.status, actor, status, reason
    )


async def usable_facility(actor: Actor, facility_id: int) -> dict[str, Any]:
    """A facility a new batch may name: one the actor sees, or any verified one (its code is public,
    and a cooperative often packs at someone else's facility); never a suspended or revoked one (409)."""
    row = await PackingFacility.select(*_COLUMNS).where(PackingFacility.id == facility_id).first()
    visible = await PackingFacility.exists().where(
        visible_registered(PackingFacility, actor) & (PackingFacility.id == facility_id)
    )
    if row is None or not (visible or row["status"] == "verified"):
        raise Invalid("packing_facility_id", "Không tìm thấy cơ sở đóng gói.", "Packing facility not found.")
    if row["status"] in registry_status.UNUSABLE:
        raise registry_status.unusable(row["status"], row["status_reason"], *NOUN)
    return row


async def facility_choices(actor: Actor) -> list[dict[str, Any]]:
    """Facilities a batch form offers ({id, name, official_code}): the actor's, not suspended or revoked."""
    return (
        await PackingFacility.select(PackingFacility.id, PackingFacility.name, PackingFacility.official_code)
        .where(visible_registered(PackingFacility, actor))
        .where(PackingFacility.status.not_in(list(registry_status.UNUSABLE)))
        .order_by(PackingFacility.name)
    )
