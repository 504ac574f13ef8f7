"""Which area an actor may report on: officers only their own province or commune."""

from __future__ import annotations

from dataclasses import dataclass

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import Forbidden, NotFound
from agrimarket.indicators.queries import AreaFilter
from agrimarket.tables import Commune, Household, Province

COUNTRY_CODE = "VN"  # the whole country's report: admins only (a ministry's view)


@dataclass(frozen=True)
class Area:
    province_code: str
    province_name: str
    commune_code: str | None = None
    commune_name: str | None = None

    @property
    def code(self) -> str:
        return self.commune_code or self.province_code or COUNTRY_CODE

    @property
    def name(self) -> str:
        return f"{self.commune_name}, {self.province_name}" if self.commune_name else self.province_name

    @property
    def filter(self) -> AreaFilter:
        return AreaFilter(province=self.province_code, commune=self.commune_code)


COUNTRY = Area("", "Cả nước")  # code COUNTRY_CODE: AreaFilter reads no province as no filter


def _outside() -> NotFound:
    return NotFound("Không có địa bàn này trong phạm vi của bạn.", "This area is outside your scope.")


async def area_by_code(code: str) -> Area:
    """A province (2 digits) or commune (5 digits) code as an Area; 404 when unknown."""
    code = (code or "").strip()
    if len(code) == 5:
        row = (
            await Commune.select(
                Commune.code, Commune.name, Commune.province, Commune.province.name.as_alias("province_name")
            )
            .where(Commune.code == code)
            .first()
        )
        if row:
            return Area(row["province"], row["province_name"], row["code"], row["name"])
    elif len(code) == 2:
        row = await Province.select(Province.code, Province.name).where(Province.code == code).first()
        if row:
            return Area(row["code"], row["name"])
    raise NotFound("Không có địa bàn với mã này.", "No area with this code.")


async def _default_province() -> str:
    """For an admin who has not chosen: the province of the first household registered."""
    row = await Household.select(Household.commune.province.as_alias("p")).order_by(Household.id).first()
    return row["p"] if row else "01"


async def resolve_area(actor: Actor, code: str | None) -> Area:
    """The area asked for, within the actor's scope; the actor's whole scope when none is asked."""
    if actor.role == Role.ADMIN:
        return await area_by_code(code or await _default_province())
    if actor.role != Role.OFFICER or not (actor.scope_province or actor.scope_commune):
        raise Forbidden(
            "Chỉ cán bộ quản lý và quản trị viên xem được chỉ số.",
            "Only agriculture officers and admins can see the indicators.",
        )
    if actor.scope_commune:
        if code and code != actor.scope_commune:
            raise _outside()
        return await area_by_code(actor.scope_commune)
    area = await area_by_code(code or actor.scope_province or "")
    if area.province_code != actor.scope_province:
        raise _outside()
    return area


async def resolve_report_area(actor: Actor, code: str | None) -> Area:
    """``resolve_area``, and for an admin the whole country (``VN``); an officer's scope never holds it."""
    if (code or "").strip().upper() != COUNTRY_CODE:
        return await resolve_area(actor, code)
    if actor.role == Role.ADMIN:
        return COUNTRY
    await resolve_area(actor, None)  # 403 for those who see no indicators at all
    raise _outside()


async def communes_of(area: Area) -> list[dict]:
    """The communes a report lists: all of the province's, the one commune, or with no province
    (the whole country: ``AreaFilter`` reads an empty province as no filter) all of them."""
    query = Commune.select(Commune.code, Commune.name).order_by(Commune.name)
    if area.commune_code:
        return await query.where(Commune.code == area.commune_code)
    if not area.province_code:
        return await query
    return await query.where(Commune.province == area.province_code)
