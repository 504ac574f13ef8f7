"""The admin's side of the sync outbox: jobs that gave up (dead) or keep failing, and retrying them."""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import Conflict, Forbidden, NotFound
from integrations.listings.schemas import TroubledJobRead
from integrations.sync import outbox
from integrations.tables import SyncJob


def require_admin(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden(
            "Chỉ quản trị viên xem và xử lý được hàng đợi đồng bộ.",
            "Only admins see and handle the sync queue.",
        )


async def troubled_jobs(actor: Actor, include_failing: bool = False) -> list[TroubledJobRead]:
    """Dead jobs, and with ``include_failing`` the queued ones backing off after an error."""
    require_admin(actor)
    troubled: Combinable = SyncJob.status == "dead"
    if include_failing:
        troubled = troubled | ((SyncJob.status == "queued") & (SyncJob.last_error != ""))
    rows = (
        await SyncJob.select(
            SyncJob.id,
            SyncJob.listing,
            SyncJob.status,
            SyncJob.attempts,
            SyncJob.last_error,
            SyncJob.listing.product.as_alias("product_id"),
            SyncJob.listing._.product.name.as_alias("product_name"),
            SyncJob.marketplace.name.as_alias("marketplace_name"),
        )
        .where(troubled)
        .order_by(SyncJob.id)
    )
    return [
        TroubledJobRead(
            id=r["id"],
            listing_id=r["listing"],
            product_id=r["product_id"],
            product_name=r["product_name"] or "",
            marketplace_name=r["marketplace_name"],
            status=r["status"],
            attempts=r["attempts"],
            last_error=r["last_error"],
        )
        for r in rows
    ]


async def retry_job(actor: Actor, job_id: int) -> None:
    """Put a job back in the queue with a fresh attempt budget (the worker picks it up)."""
    require_admin(actor)
    job = await SyncJob.select(SyncJob.status).where(SyncJob.id == job_id).first()
    if job is None:
        raise NotFound("Không tìm thấy việc đồng bộ.", "Sync job not found.")
    # A running job is being sent right now; queueing it again would race its worker.
    if job["status"] == "running" or not await outbox.retry(job_id):
        raise Conflict("Việc này đang được gửi, hãy đợi một lát.", "This job is being sent; wait a moment.")
