"""The demo seed: growing areas (one code, one without), batches with diaries, a PHI flag cleared with a
reason, and printed stamps (sheets done, a revoked stamp, scans)."""

from __future__ import annotations

from agrimarket import demo
from traceability import demo_stamps
from traceability.batches.service import assert_stampable, batch_facts
from traceability.tables import Batch, BatchEvent, GrowingArea, Scan, Stamp, StampIssue


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
    assert facts.growing_area.code == "VN-HPCH-0012" and len(facts.diary) == 6
    # The export batch names the verified packing facility, its input dealer and its exporter.
    facility = facts.packing_facility
    assert facility is not None and facility.code == "VN-HPPK-0003" and facility.status == "verified"
    assert [p.kind for p in facts.suppliers] == ["input_dealer"]
    assert [p.kind for p in facts.recipients] == ["exporter"]
    assert any("VN-HPPK-0003" in line for line in lines)
    # Printed stamps: every demo batch has a rendered issuance with its PDF and PNG ZIP.
    issues = await StampIssue.select().order_by(StampIssue.id)
    assert {row["batch"] for row in issues} == {row["id"] for row in batches.values()}
    assert all(row["status"] == "done" and row["sheet_key"] and row["zip_key"] for row in issues)
    assert {row["label_size"] for row in issues} == {"30x40", "50x30"}
    assert await Stamp.count() == demo_stamps.STAMPS_PER_BATCH * len(batches)
    assert await Stamp.count().where(Stamp.status == "revoked") == 1
    assert await Scan.count() >= 3
    assert any("/t/" in line for line in lines)
