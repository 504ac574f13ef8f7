"""Growing areas: register, read within scope, and the officer's verify / suspend / revoke."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from piccolo.columns.combination import Combinable

from agrimarket import registry_status
from agrimarket.accounts.actor import Actor
from agrimarket.areas.service import fold, get_commune
from agrimarket.audit import service as audit
from agrimarket.clock import local_date
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden, Invalid, NotFound
from agrimarket.events import GrowingAreaStatusChanged, publish
from agrimarket.products.access import new_record_owner
from agrimarket.registry_status import UNUSABLE
from agrimarket.text import clean_line
from traceability.areas.access import visible_areas
from traceability.areas.fields import clean_area
from traceability.areas.schemas import AreaRead
from traceability.tables import GrowingArea

_COLUMNS = (
    *GrowingArea.all_columns(),
    GrowingArea.commune.name.as_alias("commune_name"),
    GrowingArea.commune._.province.code.as_alias("province_code"),
    GrowingArea.commune._.province.name.as_alias("province_name"),
    GrowingArea.owner_household.head_name.as_alias("household_name"),
    GrowingArea.owner_cooperative.name.as_alias("cooperative_name"),
)
NOUN = ("vùng trồng", "a growing area")


def not_found() -> NotFound:
    return NotFound("Không tìm thấy vùng trồng.", "Growing area not found.")


def to_read(row: dict) -> AreaRead:
    household = row["owner_household"]
    return AreaRead(
        id=row["id"],
        name=row["name"],
        crop=row["crop"],
        area_ha=row["area_ha"],
        commune_code=row["commune"],
        commune_name=row["commune_name"],
        province_code=row["province_code"],
        province_name=row["province_name"],
        owner_kind="household" if household else "cooperative",
        owner_id=household or row["owner_cooperative"],
        owner_name=row["household_name"] if household else row["cooperative_name"],
        gps_lat=row["gps_lat"],
        gps_lng=row["gps_lng"],
        official_code=row["official_code"],
        code_kind=row["code_kind"],
        export_market=row["export_market"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        status=row["status"],
        status_reason=row["status_reason"],
        status_changed_at=row["status_changed_at"],
        status_changed_by_id=row["status_changed_by"],
        created_at=row["created_at"],
        status_changed_on=local_date(row["status_changed_at"]) if row["status_changed_at"] else None,
    )


async def _owner(actor: Actor, owner_household_id: int | None) -> dict[str, Any]:
    return await new_record_owner(
        actor,
        owner_household_id,
        not_own=Forbidden(
            "Bạn chỉ đăng ký được vùng trồng của hộ mình.",
            "You can only register your own household's growing areas.",
        ),
        choose_owner=Invalid(
            "owner_household_id", "Hãy chọn hộ sở hữu vùng trồng.", "Choose the household that owns the area."
        ),
    )


async def _ensure_code_free(code: str | None, except_id: int | None = None) -> None:
    if code is None:
        return
    query = GrowingArea.exists().where(GrowingArea.official_code == code)
    if except_id is not None:
        query = query.where(GrowingArea.id != except_id)
    if await query:
        raise Conflict(
            f"Mã số vùng trồng {code} đã được đăng ký cho một vùng trồng khác.",
            f"The growing-area code {code} is already registered to another area.",
        )


async def create_area(
    actor: Actor, values: dict[str, Any], code_pattern: str, owner_household_id: int | None = None
) -> int:
    owner = await _owner(actor, owner_household_id)
    fields = clean_area(values, code_pattern)
    commune = await get_commune(values.get("commune_code"))
    await _ensure_code_free(fields["official_code"])
    area = GrowingArea(
        **fields,
        **owner,
        commune=commune["code"],
        created_by=actor.user_id,
        created_at=datetime.now(UTC),
    )
    async with write_transaction():
        await area.save()  # a racing duplicate hits the unique index: also a 409
        await audit.record(actor, "growing_area", area.id, "create", fields | {"commune": commune["code"]})
    return area.id


async def get_area(actor: Actor, area_id: int) -> AreaRead:
    row = (
        await GrowingArea.select(*_COLUMNS)
        .where(visible_areas(actor))
        .where(GrowingArea.id == area_id)
        .first()
    )
    if row is None:
        raise not_found()
    return to_read(row)


def _filters(status: str | None, has_code: bool | None, commune: str | None) -> list[Combinable]:
    where: list[Combinable] = []
    if status:
        where.append(GrowingArea.status == status)
    if has_code is True:
        where.append(GrowingArea.official_code.is_not_null())
    elif has_code is False:
        where.append(GrowingArea.official_code.is_null())
    if commune:
        where.append(GrowingArea.commune == commune)
    return where


def _matches(area: AreaRead, q: str | None) -> bool:
    if not q:
        return True
    words = fold(q).split()
    hay = fold(" ".join((area.name, area.crop, area.owner_name, area.official_code or "", area.commune_name)))
    return all(word in hay for word in words)


async def list_areas(
    actor: Actor,
    status: str | None = None,
    has_code: bool | None = None,
    commune: str | None = None,
    q: str | None = None,
) -> list[AreaRead]:
    """The areas the actor may see, with the registry's filters (q: words in name, crop, owner, code)."""
    query = GrowingArea.select(*_COLUMNS).where(visible_areas(actor))
    for condition in _filters(status, has_code, commune):
        query = query.where(condition)
    rows = await query.order_by(GrowingArea.created_at, ascending=False)
    return [area for area in map(to_read, rows) if _matches(area, q)]


async def area_communes(actor: Actor) -> list[dict[str, str]]:
    """The communes ({code, name}) the actor's visible areas lie in: the registry's commune filter."""
    rows = (
        await GrowingArea.select(
            GrowingArea.commune.as_alias("code"), GrowingArea.commune.name.as_alias("name")
        )
        .where(visible_areas(actor))
        .distinct()
    )
    return sorted(rows, key=lambda row: fold(row["name"]))


async def change_status(actor: Actor, area_id: int, status: str, reason: str = "") -> None:
    """Officer of the area (or admin): verify, suspend or revoke; suspending and revoking need a reason."""
    area = await get_area(actor, area_id)  # 404 outside the officer's scope
    registry_status.may_judge(actor, *NOUN)
    async with write_transaction():  # the change and what its subscribers write
        await registry_status.change_status(
            GrowingArea, "growing_area", area_id, area.status, actor, status, reason
        )
        changed = GrowingAreaStatusChanged(
            area_id=area_id, from_status=area.status, to_status=status, reason=clean_line(str(reason or ""))
        )
        await publish(changed)


async def usable_area(actor: Actor, area_id: int) -> AreaRead:
    """A visible area that may back a new batch or diary entry: not suspended or revoked (409)."""
    area = await get_area(actor, area_id)
    if area.status in UNUSABLE:
        raise registry_status.unusable(area.status, area.status_reason, "vùng trồng", "the growing area")
    return area
