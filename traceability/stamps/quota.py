"""Per-owner limits on stamp issuance, so one account cannot take the renderer and the disk.

- ``STAMP_DAILY_LIMIT`` (20,000): stamps an owner (the household or cooperative owning the batch's
  product) may issue per Vietnam day, counted over every batch it owns; over it, 429 with
  Retry-After until midnight in Vietnam, naming what is left for today.
- ``STAMP_BACKGROUND_JOBS`` (1): background issuances (above ``STAMP_BACKGROUND_THRESHOLD``) of
  one owner queued or rendering at once; another one is answered 409 until it is done.

The checks and the issuance's insert run in one transaction holding the owner's lock (its row
``FOR UPDATE`` on PostgreSQL, the write lock taken up front on SQLite), so two requests at once
cannot both squeeze under a limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.aggregate import Sum

from agrimarket import clock
from agrimarket.errors import Conflict, RateLimited
from agrimarket.tables import Cooperative, Household
from traceability.settings import TraceabilitySettings
from traceability.tables import Batch, StampIssue


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


async def owner_of(batch_id: int) -> tuple[type[Household] | type[Cooperative], int]:
    row = (
        await Batch.select(
            Batch.product.owner_household.as_alias("household"),
            Batch.product.owner_cooperative.as_alias("cooperative"),
        )
        .where(Batch.id == batch_id)
        .first()
    )
    assert row is not None
    return (Household, row["household"]) if row["household"] else (Cooperative, row["cooperative"])


_LOCK_SQL = {
    Household: "SELECT id FROM household WHERE id = {} FOR UPDATE",
    Cooperative: "SELECT id FROM cooperative WHERE id = {} FOR UPDATE",
}


async def lock_owner(owner: tuple[type[Household] | type[Cooperative], int]) -> None:
    """Serialise the owner's issuances until the transaction ends (PostgreSQL; SQLite already is)."""
    table, owner_id = owner
    if isinstance(table._meta.db, PostgresEngine):
        await table.raw(_LOCK_SQL[table], owner_id)


def _owned_by(owner: tuple[type[Household] | type[Cooperative], int]):
    table, owner_id = owner
    product = StampIssue.batch._.product
    column = product.owner_household if table is Household else product.owner_cooperative
    return column == owner_id


async def check(
    owner: tuple[type[Household] | type[Cooperative], int], count: int, limits: TraceabilitySettings
) -> None:
    """Raise when ``count`` more stamps would pass the owner's daily limit or job cap."""
    now = datetime.now(UTC)
    local_midnight = datetime.combine(clock.today(), time(), clock.VIETNAM)
    row = (
        await StampIssue.select(Sum(StampIssue.stamp_count, alias="issued"))
        .where(_owned_by(owner) & (StampIssue.created_at >= local_midnight.astimezone(UTC)))
        .first()
    )
    issued = (row or {}).get("issued") or 0
    if issued + count > limits.stamp_daily_limit:
        left = max(0, limits.stamp_daily_limit - issued)
        wait = local_midnight + timedelta(days=1) - now
        raise RateLimited(
            f"Mỗi ngày được phát hành tối đa {_n(limits.stamp_daily_limit)} tem (giới hạn "
            f"STAMP_DAILY_LIMIT); hôm nay đã phát hành {_n(issued)} tem, còn được {_n(left)} tem. "
            "Hãy chọn ít tem hơn hoặc phát hành tiếp vào ngày mai.",
            f"At most {limits.stamp_daily_limit:,} stamps may be issued a day (STAMP_DAILY_LIMIT); "
            f"{issued:,} were issued today, {left:,} are left. Issue fewer or continue tomorrow.",
            retry_after=int(wait.total_seconds()) + 1,
        )
    if count <= limits.background_threshold:
        return
    running = await StampIssue.count().where(
        _owned_by(owner)
        & StampIssue.status.is_in(["queued", "running"])
        & (StampIssue.stamp_count > limits.background_threshold)
    )
    if running >= limits.stamp_background_jobs:
        raise Conflict(
            f"Đang có {running} đợt in tem lớn chạy nền (tối đa {limits.stamp_background_jobs} đợt một "
            "lúc, giới hạn STAMP_BACKGROUND_JOBS). Hãy chờ đợt đó in xong rồi phát hành tiếp.",
            f"{running} large issuance(s) are already rendering in the background (at most "
            f"{limits.stamp_background_jobs} at a time, STAMP_BACKGROUND_JOBS). Wait for it to finish.",
        )
