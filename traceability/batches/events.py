"""The diary entries of batches, read with their labels (shared by the batch API and the scan facts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from traceability.batches.kinds import event_label
from traceability.batches.schemas import EventRead
from traceability.tables import BatchEvent


async def events_of(batch_ids: list[int]) -> dict[int, list[EventRead]]:
    found: dict[int, list[EventRead]] = {batch_id: [] for batch_id in batch_ids}
    if not batch_ids:
        return found
    rows = (
        await BatchEvent.select(
            *BatchEvent.all_columns(), BatchEvent.author.full_name.as_alias("author_name")
        )
        .where(BatchEvent.batch.is_in(batch_ids))
        .order_by(BatchEvent.occurred_at)
        .order_by(BatchEvent.id)
        .output(load_json=True)
    )
    for row in rows:
        details = dict(row["details"] or {})
        vi, en = event_label(row["kind"], details)
        found[row["batch"]].append(
            EventRead(
                id=row["id"],
                kind=row["kind"],
                label_vi=vi,
                label_en=en,
                occurred_at=aware(row["occurred_at"]),
                growing_area_id=row["growing_area"],
                author_id=row["author"],
                author_name=row["author_name"],
                details=details,
            )
        )
    return found


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
