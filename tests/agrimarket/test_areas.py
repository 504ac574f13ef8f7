"""Administrative units of the 2025 reform: loaded from vietnam-provinces, searchable."""

from __future__ import annotations

from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from agrimarket.areas.service import fold, load_areas, place_name
from agrimarket.tables import Commune, Province


async def test_all_units_loaded_and_loading_again_adds_nothing():
    assert await Province.count() == len(list(VnProvince.iter_all())) == 34
    assert await Commune.count() == len(list(VnWard.iter_all())) == 3321
    assert await load_areas() == 0
    assert await Commune.count() == 3321


async def test_place_names_without_a_query_are_the_loaded_tables_names():
    communes = await Commune.select(Commune.code, Commune.name, Commune.province.name.as_alias("province"))
    assert len(communes) == sum(1 for _ in VnWard.iter_all())
    assert {c["code"]: place_name(c["code"]) for c in communes} == {
        c["code"]: f"{c['name']}, {c['province']}" for c in communes
    }
    assert place_name("99999") is None  # no such commune
    assert place_name("ha-noi") is None


def test_fold_strips_vietnamese_diacritics():
    assert fold("Đặc khu  Cát Hải") == "dac khu cat hai"
    assert fold("Phường Hoàn Kiếm") == "phuong hoan kiem"


async def test_search_with_or_without_diacritics(client):
    for query in ("cat hai", "Cát Hải", "CAT HAI"):
        response = await client.get("/api/v1/areas/communes/search", params={"q": query})
        assert response.status_code == 200
        found = {(row["name"], row["province_name"]) for row in response.json()}
        assert ("Đặc khu Cát Hải", "Thành phố Hải Phòng") in found, query


async def test_provinces_and_their_communes(client):
    provinces = (await client.get("/api/v1/areas/provinces")).json()
    assert len(provinces) == 34
    assert {"code": "31", "name": "Thành phố Hải Phòng"}.items() <= next(
        p for p in provinces if p["code"] == "31"
    ).items()
    communes = (await client.get("/api/v1/areas/provinces/31/communes")).json()
    assert any(c["code"] == "11914" and c["name"] == "Đặc khu Cát Hải" for c in communes)
    assert len(communes) == len(list(VnWard.iter_by_province(VnProvince.from_code(31).code)))


async def test_unknown_codes(client):
    response = await client.get("/api/v1/areas/communes/00000")
    assert response.status_code == 422
    assert "Mã xã/phường không tồn tại" in response.json()["error"]["message"]
    assert (await client.get("/api/v1/areas/provinces/99/communes")).status_code == 404
