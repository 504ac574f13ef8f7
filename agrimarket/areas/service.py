"""Administrative units (2025 reform): loading from `vietnam-provinces`, look-up and search."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard
from vietnam_provinces import WardCode

from agrimarket.db import write_transaction
from agrimarket.errors import Invalid, NotFound
from agrimarket.tables import Commune, Province

SEARCH_LIMIT = 20


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics, so "cat hai" matches "Cát Hải"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def province_code(code: int) -> str:
    return f"{code:02d}"


def commune_code(code: int) -> str:
    return f"{code:05d}"


@lru_cache(maxsize=4096)
def place_name(commune: str) -> str | None:
    """ "Commune, Province" for a commune code, from the units the tables are loaded from (no query:
    ``load_areas`` only ever adds units, so a code's names are the package's); None for a code it
    does not know."""
    try:
        ward = VnWard.from_code(WardCode(int(commune)))
        province = VnProvince.from_code(ward.province_code)
    except ValueError:
        return None
    return f"{ward.name}, {province.name}"


async def load_areas() -> int:
    """Insert any unit missing from the tables; running it again changes nothing."""
    have_provinces = set(await Province.select(Province.code).output(as_list=True))
    have_communes = set(await Commune.select(Commune.code).output(as_list=True))
    new_provinces = [
        Province(
            code=province_code(p.code.value),
            name=p.name,
            division_type=p.division_type.value,
            codename=p.codename,
            search_key=fold(p.name),
        )
        for p in VnProvince.iter_all()
        if province_code(p.code.value) not in have_provinces
    ]
    new_communes = [
        Commune(
            code=commune_code(w.code.value),
            name=w.name,
            division_type=w.division_type.value,
            codename=w.codename,
            province=province_code(w.province_code.value),
            search_key=fold(w.name),
        )
        for w in VnWard.iter_all()
        if commune_code(w.code.value) not in have_communes
    ]
    async with write_transaction():
        if new_provinces:
            await Province.insert(*new_provinces)
        for start in range(0, len(new_communes), 500):
            await Commune.insert(*new_communes[start : start + 500])
    return len(new_provinces) + len(new_communes)


async def list_provinces() -> list[dict]:
    return await Province.select(Province.code, Province.name, Province.division_type).order_by(Province.code)


async def list_communes(code: str) -> list[dict]:
    if not await Province.exists().where(Province.code == code):
        raise NotFound("Không có tỉnh/thành phố với mã này.", "No province with this code.")
    return (
        await Commune.select(Commune.code, Commune.name, Commune.division_type)
        .where(Commune.province == code)
        .order_by(Commune.name)
    )


async def search_communes(query: str, province: str | None = None) -> list[dict]:
    """Communes whose name contains every word typed, with or without diacritics."""
    words = fold(query).split()
    if not words:
        return []
    select = Commune.select(
        Commune.code,
        Commune.name,
        Commune.division_type,
        Commune.province.code.as_alias("province_code"),
        Commune.province.name.as_alias("province_name"),
    )
    for word in words:
        select = select.where(Commune.search_key.like(f"%{_escape_like(word)}%"))
    if province:
        select = select.where(Commune.province == province)
    return await select.order_by(Commune.name).limit(SEARCH_LIMIT)


def _escape_like(word: str) -> str:
    return word.replace("%", "").replace("_", "")


async def get_commune(code: str | None, field: str = "commune_code") -> dict:
    """The commune with its province, or a 422 that says the code is unknown."""
    row = None
    if code:
        row = (
            await Commune.select(
                Commune.code,
                Commune.name,
                Commune.province.code.as_alias("province_code"),
                Commune.province.name.as_alias("province_name"),
            )
            .where(Commune.code == code.strip())
            .first()
        )
    if row is None:
        raise Invalid(
            field,
            "Mã xã/phường không tồn tại. Hãy chọn xã/phường trong danh sách.",
            "Unknown commune/ward code. Pick one from the list.",
        )
    return row
