"""Demo data: the cooperative's packing facility (verified), named on the export batch NA-2026-08A with
its input dealer and its exporter, so the scan page and the export labels show them."""

from __future__ import annotations

from datetime import timedelta

from agrimarket.accounts.actor import Actor
from agrimarket.clock import today
from agrimarket.demo_data import CAT_HAI
from traceability.batches import partners
from traceability.batches import service as batches
from traceability.batches.schemas import BatchUpdate, PartnerCreate
from traceability.packing import service as packing
from traceability.packing.schemas import FacilityCreate

FACILITY_CODE = "VN-HPPK-0003"


async def seed(manager: Actor, officer: Actor, batch_id: int) -> list[str]:
    """The verified facility, named on ``batch_id`` with its input dealer and exporter; summary lines."""
    facility = await packing.create_facility(
        manager,
        FacilityCreate(
            name="Nhà đóng gói HTX Cát Hải",
            commune_code=CAT_HAI,
            address="Thôn Gia Lộc",
            official_code=FACILITY_CODE,
            export_market="Trung Quốc",
        ),
    )
    await packing.change_status(officer, facility, "verified")
    await batches.update_labels(
        manager, batch_id, BatchUpdate(packing_facility_id=facility, brand="Na Cát Hải")
    )
    harvested = today() - timedelta(days=3)
    await partners.add_partner(
        manager,
        batch_id,
        PartnerCreate(
            direction="supplier",
            kind="input_dealer",
            name="Đại lý vật tư nông nghiệp Cát Hải",
            code="0200987654",
            on_date=harvested - timedelta(days=57),  # the NPK of the diary
        ),
    )
    await partners.add_partner(
        manager,
        batch_id,
        PartnerCreate(
            direction="recipient",
            kind="exporter",
            name="Công ty TNHH Xuất nhập khẩu Nông sản Hải Phòng",
            code="0201234567",
            address="Hải Phòng",
            on_date=harvested + timedelta(days=2),
        ),
    )
    return [
        f"Packing facility: {FACILITY_CODE} (verified), named on NA-2026-08A with its input dealer and exporter."
    ]
