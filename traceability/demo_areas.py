"""Demo growing areas and batches with their diaries (listed in traceability/piccolo_app.py's
DEMO_SEEDERS, run by agrimarket.demo.seed() after the core's products exist)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from agrimarket import demo_data as demo
from agrimarket.clock import VIETNAM
from agrimarket.clock import today as local_today
from agrimarket.settings import get_settings
from agrimarket.tables import Household, Product
from traceability import demo_packing
from traceability.areas import service as areas
from traceability.batches import service as batches
from traceability.batches.schemas import BatchCreate, EventCreate
from traceability.settings import TraceabilitySettings


def _at(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=VIETNAM)


async def seed() -> list[str]:
    """Create this part's demo records; returns summary lines to print."""
    actor = demo.actor_by_phone

    async def household(index: int) -> int:
        row = await Household.select(Household.id).where(Household.phone == demo.member_phone(index)).first()
        assert row is not None
        return row["id"]

    async def product(name: str) -> int:
        row = await Product.select(Product.id).where(Product.name == name).first()
        assert row is not None
        return row["id"]

    pattern = get_settings().section(TraceabilitySettings).official_code_pattern
    manager = await actor(demo.MANAGER[0])
    officer = await actor(demo.OFFICER[0])
    today = local_today()
    cat_hai = demo.CAT_HAI
    na_area = await areas.create_area(
        manager,
        {
            "name": "Vườn na Hoàng Châu",
            "crop": "Na",
            "area_ha": 1.2,
            "commune_code": cat_hai,
            "gps_lat": 20.795,
            "gps_lng": 106.985,
            "official_code": "VN-HPCH-0012",
            "code_kind": "export",
            "export_market": "Trung Quốc",
            "valid_from": date(2025, 6, 1),
            "valid_until": date(2027, 5, 31),
        },
        pattern,
        await household(6),
    )
    await areas.change_status(officer, na_area, "verified")
    rau_area = await areas.create_area(
        manager,
        {"name": "Ruộng rau Gia Luận", "crop": "Rau muống", "area_ha": 0.3, "commune_code": cat_hai},
        pattern,
        await household(5),
    )
    ong_area = await areas.create_area(
        manager,
        {"name": "Đàn ong rừng Cát Bà", "crop": "Mật ong", "area_ha": 5, "commune_code": cat_hai},
        pattern,
        await household(8),
    )
    son_la = await actor("0912000201")
    moc_chau = await Household.select(Household.commune).where(Household.id == son_la.household_id).first()
    assert moc_chau is not None
    await areas.create_area(
        son_la,
        {
            "name": "Vườn mận Nà Ka",
            "crop": "Mận hậu",
            "area_ha": 2.5,
            "commune_code": moc_chau["commune"],
            "official_code": "VN-SLMC-0105",
            "code_kind": "domestic",
        },
        pattern,
    )

    async def batch(
        name: str, area: int, lot: str, events: list[tuple[str, date, dict[str, Any]]], **kw
    ) -> int:
        batch_id = await batches.create_batch(
            manager, BatchCreate(product_id=await product(name), growing_area_id=area, lot_code=lot, **kw)
        )
        for hour, (kind, day, details) in enumerate(events, start=6):
            event = EventCreate(kind=kind, occurred_at=_at(day, hour), details=details)
            await batches.add_event(manager, batch_id, event)
        return batch_id

    d = lambda days: today - timedelta(days=days)  # noqa: E731 - days ago, read like the diary
    na_batch = await batch(
        "Na Cát Hải",
        na_area,
        "NA-2026-08A",
        [
            ("planting", d(160), {"variety": "Na dai"}),
            (
                "input_use",
                d(60),
                {"input_type": "fertiliser", "product_name": "NPK 16-16-8", "dose": "0,5 kg/gốc"},
            ),
            (
                "input_use",
                d(20),
                {
                    "input_type": "pesticide",
                    "product_name": "Abamectin 3.6EC",
                    "active_ingredient": "Abamectin",
                    "dose": "10 ml/bình 16 lít",
                    "phi_days": 7,
                },
            ),
            ("irrigation", d(10), {"water_source": "Giếng khoan"}),
            ("harvesting", d(3), {}),
            ("packing", d(2), {"packaging": "Thùng carton 10 kg"}),
        ],
        harvest_date=d(3),
        pack_date=d(2),
        expiry_date=today + timedelta(days=7),
        quantity=200,
        unit="kg",
    )
    flagged = await batch(
        "Rau muống",
        rau_area,
        "RM-2026-11",
        [
            ("planting", d(30), {}),
            (
                "input_use",
                d(4),
                {
                    "input_type": "pesticide",
                    "product_name": "Regent 800WG",
                    "active_ingredient": "Fipronil",
                    "dose": "1 g/bình 16 lít",
                    "phi_days": 7,
                },
            ),
            ("irrigation", d(2), {}),
            ("harvesting", d(1), {}),
            ("packing", d(1), {"packaging": "Bó 0,5 kg"}),
        ],
        harvest_date=d(1),
        pack_date=d(1),
        quantity=150,
        unit="bo",
    )
    await batches.clear_flag(
        manager,
        flagged,
        "Đã lấy mẫu kiểm tra nhanh dư lượng thuốc BVTV tại HTX: âm tính (phiếu số 27/2026); cho phép lưu thông.",
    )
    await batch(
        "Mật ong rừng Cát Bà",
        ong_area,
        "MO-2026-04",
        [
            ("harvesting", d(40), {"quantity": "12 lít"}),
            ("packing", d(38), {"packaging": "Chai thủy tinh 500 ml"}),
            ("shipping", d(37), {"destination": "Cửa hàng HTX, Thị trấn Cát Bà"}),
        ],
        harvest_date=d(40),
        pack_date=d(38),
        expiry_date=d(38) + timedelta(days=730),
        quantity=24,
        unit="chai",
        # No certification: the cooperative's own declared standard is item 10 of the minimum data.
        standards="TCCS 02:2026/HTX Cát Hải (mật ong)",
        brand="Mật ong HTX Cát Hải",
    )
    packing_lines = await demo_packing.seed(manager, officer, na_batch)
    return [
        "Growing areas: 4 (VN-HPCH-0012 export code for Trung Quốc, verified by the Hải Phòng officer; "
        "2 in Cát Hải without a code; 1 in Mộc Châu awaiting verification).",
        "Batches: NA-2026-08A (Na Cát Hải), RM-2026-11 (Rau muống: harvested inside Regent's 7-day PHI, "
        "flagged then cleared by the coop manager), MO-2026-04 (Mật ong rừng Cát Bà), with diaries.",
        *packing_lines,
    ]
