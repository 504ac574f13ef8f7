"""The households of an area as those who oversee them read them: officers of the area and admins
list them (names, commune, cooperative: no phones), open one (with its phone, as a coop manager may
for a member), and export the list with phones, which asks why. Every read names its households in
the processing log (``agrimarket.privacy.access_log``); a household reading itself is not logged.
"""

from __future__ import annotations

import msgspec
from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import Forbidden, Invalid, NotFound
from agrimarket.exports import csv_for_excel
from agrimarket.indicators.area import Area, resolve_area
from agrimarket.privacy import access_log
from agrimarket.tables import Household
from agrimarket.text import clean_text
from agrimarket.web.input import MAX_ID

PAGE = 200
EXPORT_HEADER = [
    "Mã hộ",
    "Họ tên chủ hộ",
    "Số điện thoại",
    "Địa chỉ",
    "Mã xã",
    "Xã/phường",
    "Huyện cũ",
    "HTX",
]
MIN_REASON = 10  # characters: "báo cáo" alone says nothing of which report
MAX_REASON = 500


class HouseholdRow(msgspec.Struct):
    id: int
    head_name: str
    address: str
    commune_code: str
    commune_name: str
    legacy_district: str
    cooperative: str  # its cooperative's name, "" when none


class HouseholdDetail(HouseholdRow):
    phone: str
    vpost_code: str
    cooperative_id: int | None


_COLUMNS = (
    Household.id,
    Household.head_name,
    Household.phone,
    Household.address,
    Household.commune,
    Household.commune.name.as_alias("commune_name"),
    Household.legacy_district,
    Household.vpost_code,
    Household.cooperative,
    Household.cooperative.name.as_alias("cooperative_name"),
)


def _row(row: dict) -> HouseholdRow:
    return HouseholdRow(
        id=row["id"],
        head_name=row["head_name"],
        address=row["address"],
        commune_code=row["commune"],
        commune_name=row["commune_name"],
        legacy_district=row["legacy_district"] or "",
        cooperative=row["cooperative_name"] or "",
    )


def _in(area: Area) -> Combinable:
    if area.commune_code:
        return Household.commune == area.commune_code
    return Household.commune.province == area.province_code


def _what(kind: str, area: Area) -> str:
    unit = f"xã {area.commune_code}" if area.commune_code else f"tỉnh {area.province_code}"
    return f"{kind} {unit} ({area.name})"


async def staff_area(actor: Actor, area_code: str | None) -> Area:
    """The area asked for, if the actor oversees it: officers their own, admins any."""
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise Forbidden(
            "Chỉ cán bộ quản lý và quản trị viên xem được danh sách hộ của địa bàn.",
            "Only agriculture officers and admins can list an area's households.",
        )
    return await resolve_area(actor, area_code)


async def list_households(actor: Actor, area_code: str | None, after_id: int = 0) -> list[HouseholdRow]:
    """One page of the area's households (by id, ``after_id`` pages on): officers of the area, admins."""
    area = await staff_area(actor, area_code)
    if not 0 <= after_id <= MAX_ID:
        raise Invalid("after_id", "Vị trí trang không đúng.", f"after_id is from 0 to {MAX_ID}.")
    rows = (
        await Household.select(*_COLUMNS)
        .where(_in(area) & (Household.id > after_id))
        .order_by(Household.id)
        .limit(PAGE)
    )
    await access_log.record(actor, _what("danh sách hộ", area), [row["id"] for row in rows])
    return [_row(row) for row in rows]


def _may_open(actor: Actor, row: dict, province: str) -> bool:
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.HOUSEHOLD:
        return actor.household_id == row["id"]
    if actor.role == Role.COOP_MANAGER:
        return actor.cooperative_id is not None and row["cooperative"] == actor.cooperative_id
    if actor.scope_commune:
        return row["commune"] == actor.scope_commune
    return actor.scope_province is not None and province == actor.scope_province


async def household_detail(actor: Actor, household_id: int) -> HouseholdDetail:
    """One household with its phone: itself, its cooperative's manager, officers of its area, admins;
    anyone else finds nothing (404)."""
    row = (
        await Household.select(*_COLUMNS, Household.commune.province.as_alias("province"))
        .where(Household.id == household_id)
        .first()
    )
    if row is None or not _may_open(actor, row, row["province"]):
        raise NotFound("Không tìm thấy hộ này.", "No such household.")
    await access_log.record(actor, f"thông tin hộ {household_id}", [household_id])
    return HouseholdDetail(
        **msgspec.structs.asdict(_row(row)),
        phone=row["phone"],
        vpost_code=row["vpost_code"] or "",
        cooperative_id=row["cooperative"],
    )


def checked_reason(reason: str | None) -> str:
    """The reason an export with phones is asked for, required: 422 in words without one."""
    reason = " ".join(clean_text(reason or "").split())[:MAX_REASON]
    if len(reason) < MIN_REASON:
        raise Invalid(
            "reason",
            "Hãy ghi lý do xuất danh sách có số điện thoại (ví dụ: gọi mời hộ dự tập huấn tháng 12). "
            "Lý do được lưu vào nhật ký xử lý dữ liệu và hộ xem được.",
            "Say why you export the list with phone numbers (e.g. inviting households to December's "
            "training). The reason is kept in the processing log and the households can read it.",
        )
    return reason


async def export_csv(actor: Actor, area_code: str | None, reason: str | None) -> tuple[str, bytes]:
    """The area's households with their phones as CSV (file name, body), the reason logged first."""
    area = await staff_area(actor, area_code)
    why = checked_reason(reason)
    rows = await Household.select(*_COLUMNS).where(_in(area)).order_by(Household.id)
    await access_log.record(
        actor, _what("xuất danh sách hộ có số điện thoại", area), [r["id"] for r in rows], why
    )
    body = csv_for_excel(
        EXPORT_HEADER,
        (
            [
                r["id"],
                r["head_name"],
                r["phone"],
                r["address"],
                r["commune"],
                r["commune_name"],
                r["legacy_district"] or "",
                r["cooperative_name"] or "",
            ]
            for r in rows
        ),
    )
    return f"danh-sach-ho-{area.code}.csv", body
