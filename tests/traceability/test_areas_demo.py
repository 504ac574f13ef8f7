"""The demo seed's growing areas and batches: one code, one without, a PHI flag cleared with a reason."""

from __future__ import annotations

from agrimarket import demo
from traceability.batches.service import assert_stampable, batch_facts
from traceability.tables import Batch, BatchEvent, GrowingArea


async def test_demo_has_areas_batches_and_a_cleared_flag(client):
    lines = await demo.seed()
    assert any("VN-HPCH-0012" in line for line in lines)
    coded = await GrowingArea.select().where(GrowingArea.official_code == "VN-HPCH-0012").first()
    assert coded["status"] == "verified" and coded["export_market"] == "Trung Quốc"
    assert await GrowingArea.count().where(GrowingArea.official_code.is_null()) >= 1
    assert await GrowingArea.count().where(GrowingArea.commune == demo.CAT_HAI) >= 2
    batches = {row["lot_code"]: row for row in await Batch.select()}
    assert {"NA-2026-08A", "RM-2026-11", "MO-2026-04"} <= set(batches)
    rau = batches["RM-2026-11"]
    assert rau["flagged"] and rau["cleared_at"] is not None and rau["cleared_reason"]
    assert not batches["NA-2026-08A"]["flagged"]
    for row in batches.values():
        await assert_stampable(row["id"])
    kinds = set(await BatchEvent.select(BatchEvent.kind).output(as_list=True))
    assert {"planting", "input_use", "irrigation", "harvesting", "packing", "shipping"} <= kinds
    facts = await batch_facts(batches["NA-2026-08A"]["id"])
    assert facts["growing_area"]["code"] == "VN-HPCH-0012" and len(facts["diary"]) == 6
