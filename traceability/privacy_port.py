"""Traceability's side of personal data (``agrimarket.privacy``): its rows in a household's "My
data", and what it erases when the household's account is closed.

Batches, stamps and their diary stay (printed stamps keep scanning: the producer's name and
address come from the household row, which the core has de-identified); a supplier entry naming
the household loses the name copied into it.
"""

from __future__ import annotations

from agrimarket.events import HouseholdErased
from agrimarket.privacy.parts import DataPart, DataSection, Subject, rows_in, rows_of
from agrimarket.tables import Product
from traceability.stamps.scan import SHOWN
from traceability.tables import Batch, BatchEvent, BatchPartner, GrowingArea, PackingFacility, StampIssue

ERASED_PARTNER = "Hộ đã xoá dữ liệu"


async def read(subject: Subject) -> list[DataSection]:
    hh = subject.household_id if subject.household_id is not None else -1
    products = [r["id"] for r in await Product.select(Product.id).where(Product.owner_household == hh)]
    batches = (
        [r["id"] for r in await Batch.select(Batch.id).where(Batch.product.is_in(products))]
        if products
        else []
    )
    return [
        DataSection(
            "growing_area",
            "Vùng trồng / Growing areas",
            await rows_of(GrowingArea, GrowingArea.owner_household == hh),
        ),
        DataSection(
            "packing_facility",
            "Cơ sở đóng gói / Packing facilities",
            await rows_of(PackingFacility, PackingFacility.owner_household == hh),
        ),
        DataSection("batch", "Lô hàng / Batches", await rows_in(Batch, Batch.id, batches)),
        DataSection(
            "batch_event",
            "Nhật ký sản xuất / Farming diary",
            await rows_in(BatchEvent, BatchEvent.batch, batches),
        ),
        DataSection(
            "batch_partner",
            "Một bước trước, một bước sau / One step back, one step forward",
            await rows_of(
                BatchPartner, (BatchPartner.household == hh) | BatchPartner.batch.is_in(batches or [-1])
            ),
        ),
        DataSection(
            "stamp_issue",
            "Tem truy xuất đã in / Stamps issued",
            await rows_in(StampIssue, StampIssue.batch, batches),
        ),
    ]


PART = DataPart(
    covers=(
        "growing_area.owner_household",
        "packing_facility.owner_household",
        "batch_partner.household",
    ),
    read=read,
)


async def on_household_erased(event: HouseholdErased) -> None:
    await BatchPartner.update(
        {BatchPartner.name: ERASED_PARTNER, BatchPartner.code: "", BatchPartner.address: ""}
    ).where(BatchPartner.household == event.household_id)
    # Scan pages cache a batch's facts (the producer's name) for 30 s: this process forgets them now.
    SHOWN.clear()
