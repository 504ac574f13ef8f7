"""The issue's worked examples, with known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from agrimarket.indicators import summary
from agrimarket.indicators.area import COUNTRY, area_by_code
from agrimarket.indicators.queries import AreaFilter, households_by_commune
from agrimarket.indicators.service import build_report, headline
from agrimarket.tables import Commune, DeclaredListing, ProductSupplier
from tests.agrimarket.indicators.helpers import cooperative, history, household, listing, product, stored, vn
from tests.factories import CAT_HAI, HAI_PHONG


async def total(day: date, area: str = HAI_PHONG) -> int:
    return (await headline(await area_by_code(area), day)).households


async def test_listing_live_10_jan_to_5_feb():
    farm = await household()
    item = await listing(farm)
    await history(item, ("pending", vn(2026, 1, 9)), ("live", vn(2026, 1, 10)), ("delisted", vn(2026, 2, 5)))
    assert await total(date(2026, 2, 1)) == 1
    assert await total(date(2026, 2, 10)) == 0
    assert await total(date(2026, 1, 9)) == 0  # pending is not live
    assert await total(date(2026, 1, 10)) == 1  # live by the end of the day
    assert await total(date(2026, 2, 5)) == 0  # delisted before the end of the day


async def test_end_of_day_is_vietnam_time():
    farm = await household()
    item = await listing(farm)
    # 23:30 on 1 Feb in Vietnam is 16:30 UTC the same day; 00:30 on 2 Feb is 17:30 UTC on 1 Feb.
    await history(item, ("live", vn(2026, 2, 1, 23)))
    other = await listing(await household())
    await history(other, ("live", datetime(2026, 2, 1, 17, 30, tzinfo=UTC)))
    assert await total(date(2026, 2, 1)) == 1
    assert await total(date(2026, 2, 2)) == 2


async def test_two_marketplaces_count_once_in_total_once_per_marketplace():
    farm = await household()
    for code in ("postmart", "voso"):
        await history(await listing(farm, code=code), ("live", vn(2026, 1, 10)))
    report = await build_report(await area_by_code(HAI_PHONG), date(2026, 1, 20), with_series=False)
    assert report.households == 1
    assert {m.key: (m.households, m.live_listings) for m in report.marketplaces} == {
        "postmart": (1, 1),
        "voso": (1, 1),
    }
    assert report.products == 0  # listings without a product row
    assert next(c for c in report.communes if c.code == CAT_HAI).households == 1


async def test_live_listings_and_products_count_in_their_owners_area():
    """Read from each span's copy of its owner's commune and province: another province's listing
    is in that province's report and the country's, never in Hải Phòng's."""
    here = await household()
    elsewhere_commune = (
        await Commune.select(Commune.code).where(Commune.province != HAI_PHONG).order_by(Commune.code).first()
    )["code"]
    there = await household(commune=elsewhere_commune)
    for farm in (here, there):
        await history(await listing(farm, product_id=await product(farm)), ("live", vn(2026, 1, 10)))
    day = date(2026, 1, 20)
    ours = await build_report(await area_by_code(HAI_PHONG), day, with_series=False)
    theirs = await build_report(await area_by_code(elsewhere_commune), day, with_series=False)
    country = await build_report(COUNTRY, day, with_series=False)
    for report, listings in ((ours, 1), (theirs, 1), (country, 2)):
        assert report.products == listings
        assert {m.key: m.live_listings for m in report.marketplaces} == {"postmart": listings}
        assert report.participation is not None and report.participation.values["active"] == listings


async def test_supplier_household_of_cooperative_product_counts():
    coop = await cooperative()
    member, other_member = await household(cooperative=coop), await household(cooperative=coop)
    goods = await product(cooperative_id=coop)
    await stored(ProductSupplier(product=goods, household=member, added_at=vn(2026, 1, 1)))
    await stored(
        ProductSupplier(
            product=goods, household=other_member, added_at=vn(2026, 1, 1), removed_at=vn(2026, 1, 15)
        )
    )
    await history(await listing(cooperative_id=coop, product_id=goods), ("live", vn(2026, 1, 10)))
    assert await total(date(2026, 1, 12)) == 2
    assert await total(date(2026, 1, 20)) == 1  # the second supplier left the product on 15 Jan
    report = await build_report(await area_by_code(HAI_PHONG), date(2026, 1, 20), with_series=False)
    assert report.cooperatives == 1 and report.products == 1


async def test_delisted_then_relisted_counts_only_inside_live_spans():
    farm = await household()
    item = await listing(farm, product_id=await product(farm))
    await history(
        item,
        ("live", vn(2026, 1, 1)),
        ("delisted", vn(2026, 1, 10)),
        ("live", vn(2026, 1, 20)),
        ("rejected", vn(2026, 2, 1)),
    )
    expected = {
        date(2025, 12, 31): 0,
        date(2026, 1, 1): 1,
        date(2026, 1, 9): 1,
        date(2026, 1, 10): 0,
        date(2026, 1, 15): 0,
        date(2026, 1, 20): 1,
        date(2026, 1, 31): 1,
        date(2026, 2, 1): 0,
    }
    assert {day: await total(day) for day in expected} == expected


async def test_declared_listing_counts_inside_its_dates():
    farm = await household()
    await stored(
        DeclaredListing(
            household=farm,
            marketplace="shopee",
            shop_url="https://shopee.vn/ca-song",
            from_date=date(2026, 1, 5),
            to_date=date(2026, 1, 31),
            created_at=datetime.now(UTC),
        )
    )
    assert await total(date(2026, 1, 4)) == 0
    assert await total(date(2026, 1, 5)) == 1
    assert await total(date(2026, 1, 31)) == 1
    assert await total(date(2026, 2, 1)) == 0
    report = await build_report(await area_by_code(HAI_PHONG), date(2026, 1, 10), with_series=False)
    assert (report.households, report.synced, report.declared) == (1, 0, 1)
    assert [m.key for m in report.marketplaces] == ["shopee"]


async def test_area_filter_and_past_dates_are_stable():
    here, elsewhere = await household(), await household(commune="00004")  # Ba Đình, Hà Nội
    for farm in (here, elsewhere):
        await history(await listing(farm), ("live", vn(2026, 1, 10)))
    assert await households_by_commune(AreaFilter(province=HAI_PHONG), date(2026, 1, 11)) == {CAT_HAI: 1}
    assert await total(date(2026, 1, 11), CAT_HAI) == 1
    before = await total(date(2026, 1, 11))
    # Today's change (a new delisting) leaves the past figure as it was.
    item = await listing(here, code="voso")
    await history(item, ("live", vn(2026, 1, 5)), ("delisted", datetime.now(UTC)))
    assert await total(date(2026, 1, 11)) == before == 1


async def test_same_instant_changes_take_the_later_row():
    farm = await household()
    item = await listing(farm)
    await history(item, ("live", vn(2026, 1, 10)), ("delisted", vn(2026, 1, 10)))
    other = await listing(await household())
    await history(other, ("delisted", vn(2026, 1, 10)), ("live", vn(2026, 1, 10)))
    assert await total(date(2026, 1, 10)) == 1


async def test_grouped_by_legacy_district_where_known():
    from agrimarket.tables import Household

    known = [await household(), await household(), await household(commune="11914")]
    unknown = await household()
    for farm in (*known, unknown):
        await history(await listing(farm), ("live", vn(2026, 1, 10)))
    await Household.update({Household.legacy_district: "Huyện Cát Hải"}).where(Household.id.is_in(known[:2]))
    await Household.update({Household.legacy_district: "Huyện Thủy Nguyên"}).where(Household.id == known[2])
    for farm in known:  # as a writer of a household's record does
        await summary.household_moved(farm)
    await stored(
        DeclaredListing(
            household=known[0],
            marketplace="shopee",
            shop_url="https://shopee.vn/x",
            from_date=date(2026, 1, 1),
            created_at=datetime.now(UTC),
        )
    )
    report = await build_report(await area_by_code(HAI_PHONG), date(2026, 1, 20), with_series=False)
    assert [(d.label, d.households, d.synced, d.declared) for d in report.districts] == [
        ("Huyện Cát Hải", 2, 2, 1),
        ("Huyện Thủy Nguyên", 1, 1, 0),
        ("Không rõ", 1, 1, 0),
    ]
    assert sum(d.households for d in report.districts) == report.households == 4


async def test_the_charts_last_point_is_the_reports_own_totals():
    """The chart's last point is taken from the report's totals, the other points from ``headline``:
    both count the same way, whatever the mix of own listings, supplied cooperative products and
    declared listings."""
    coop = await cooperative()
    own_and_declared, supplier, *declared_only = [await household(cooperative=coop) for _ in range(4)]
    await history(await listing(own_and_declared, code="voso"), ("live", vn(2026, 1, 10)))
    goods = await product(cooperative_id=coop)
    await stored(ProductSupplier(product=goods, household=supplier, added_at=vn(2026, 1, 1)))
    await history(await listing(cooperative_id=coop, product_id=goods), ("live", vn(2026, 1, 12)))
    for farm in (own_and_declared, *declared_only):
        await stored(
            DeclaredListing(
                household=farm,
                marketplace="shopee",
                shop_url="https://shopee.vn/ca-song",
                from_date=date(2026, 1, 5),
                created_at=datetime.now(UTC),
            )
        )
    area = await area_by_code(HAI_PHONG)
    for day in (date(2026, 1, 4), date(2026, 1, 8), date(2026, 1, 11), date(2026, 1, 20)):
        report = await build_report(area, day)
        assert report.series[-1] == await headline(area, day), day
        assert report.series[-1].day == day and len(report.series) == 12
    assert (report.households, report.synced, report.declared) == (4, 2, 3)
