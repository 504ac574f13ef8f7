"""Reviewing a batch's counterfeit warnings: the owner (or whoever acts for it) or an officer of
the area looked, and found no copied labels (e.g. a burst of test scans).

The review remembers each warned stamp's evidence (networks and spread days); from then on only
new evidence counts, so the warning comes back only when as much is gathered again. Audited.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Invalid
from agrimarket.text import clean_line
from traceability.batches.service import get_batch
from traceability.settings import TraceabilitySettings
from traceability.stamps.evidence import warned_condition
from traceability.stamps.schemas import ScanWarning
from traceability.tables import Stamp

MIN_REASON, MAX_REASON = 10, 1000


async def warned_stamps(actor: Actor, batch_id: int, settings: TraceabilitySettings) -> list[ScanWarning]:
    """The batch's stamps showing the warning now (from their stored counters); 404 outside scope."""
    await get_batch(actor, batch_id)
    rows = await Stamp.raw(
        "SELECT serial, network_count - reviewed_networks AS networks, spread_days - reviewed_days AS days, "  # noqa: S608 - integers of our settings
        f"scan_count AS scans FROM stamp WHERE batch = {{}} AND {warned_condition(settings)} ORDER BY seq",
        batch_id,
    )
    return [ScanWarning(**row) for row in rows]


async def review(actor: Actor, batch_id: int, reason: str, settings: TraceabilitySettings) -> list[str]:
    """Clear the warning of every warned stamp of the batch, in writing; the serials cleared."""
    warned = await warned_stamps(actor, batch_id, settings)  # whoever sees the batch: owner, officer, admin
    reason = clean_line(str(reason or ""))
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise Invalid(
            "reason",
            "Hãy ghi rõ kết quả kiểm tra (10–1000 ký tự), ví dụ: quét thử hàng loạt, tem vẫn trên sản phẩm thật.",
            "Write what the check found (10–1000 characters), e.g. a burst of test scans, the labels are genuine.",
        )
    if not warned:
        raise Conflict(
            "Không có tem nào của lô đang bị cảnh báo tem giả.",
            "No stamp of this batch carries the counterfeit warning.",
        )
    serials = [w.serial for w in warned]
    async with write_transaction():
        await Stamp.raw(
            "UPDATE stamp SET reviewed_networks = network_count, reviewed_days = spread_days, "  # noqa: S608 - as above
            f"scans_reviewed_at = {{}} WHERE batch = {{}} AND {warned_condition(settings)}",
            datetime.now(UTC),
            batch_id,
        )
        await audit.record(
            actor,
            "batch",
            batch_id,
            "scan_review",
            {"reason": reason, "stamps": serials, "evidence": [[w.networks, w.days] for w in warned]},
        )
    return serials
