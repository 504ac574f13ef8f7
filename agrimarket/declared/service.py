"""Declared listings: record, list and end them, always within the actor's area."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.dates import check_date, years_after
from agrimarket.db import write_transaction
from agrimarket.declared.access import (
    ensure_cooperative,
    ensure_household,
    require_declarer,
    visible_cooperatives,
    visible_households,
)
from agrimarket.declared.catalog import MARKETPLACES, marketplace_label
from agrimarket.declared.schemas import MAX_URL, DeclaredListingCreate, DeclaredListingRead
from agrimarket.errors import Invalid, NotFound
from agrimarket.indicators import summary
from agrimarket.tables import Cooperative, DeclaredListing, Household


def clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL or " " in url:
        raise Invalid(
            "shop_url",
            "Địa chỉ gian hàng phải bắt đầu bằng http:// hoặc https://.",
            "The shop address must start with http:// or https://.",
        )
    return url


def check_dates(from_date: date, to_date: date | None, *, stored_start: bool = False) -> None:
    """The start within agrimarket.dates' range (unless already stored), the end after it."""
    if to_date is not None and to_date < from_date:
        raise Invalid(
            "to_date",
            "Ngày kết thúc phải sau ngày bắt đầu.",
            "The end date must not be before the start date.",
        )
    errors: dict[str, tuple[str, str]] = {}
    if not stored_start:
        check_date("from_date", from_date, errors)
    check_date("to_date", to_date, errors, earliest=from_date, latest=years_after(from_date))
    if errors:
        raise Invalid.from_fields(errors)


def _read(row: dict) -> DeclaredListingRead:
    return DeclaredListingRead(
        id=row["id"],
        marketplace=row["marketplace"],
        marketplace_label=marketplace_label(row["marketplace"]),
        shop_url=row["shop_url"],
        from_date=row["from_date"],
        to_date=row["to_date"],
        household_id=row["household"],
        cooperative_id=row["cooperative"],
        declared_by_id=row["declared_by"],
        created_at=row["created_at"],
    )


async def create(actor: Actor, data: DeclaredListingCreate) -> DeclaredListingRead:
    require_declarer(actor)
    if (data.household_id is None) == (data.cooperative_id is None):
        raise Invalid(
            "household_id",
            "Hãy chọn một hộ hoặc một hợp tác xã.",
            "Give either a household or a cooperative.",
        )
    if data.household_id is not None:
        await ensure_household(actor, data.household_id)
    else:
        await ensure_cooperative(actor, data.cooperative_id or 0)
    if data.marketplace not in MARKETPLACES:
        raise Invalid("marketplace", "Hãy chọn sàn trong danh sách.", "Pick a marketplace from the list.")
    check_dates(data.from_date, data.to_date)
    row = DeclaredListing(
        household=data.household_id,
        cooperative=data.cooperative_id,
        marketplace=data.marketplace,
        shop_url=clean_url(data.shop_url),
        from_date=data.from_date,
        to_date=data.to_date,
        declared_by=actor.user_id,
        created_at=datetime.now(UTC),
    )
    async with write_transaction():
        await row.save()
        await summary.refresh([row.household])  # a back-dated start counts from its first day
        await audit.record(actor, "declared_listing", row.id, "create", _declared(row))
    return await get(actor, row.id)


def _declared(row: DeclaredListing) -> dict:
    return {
        "household": row.household,
        "cooperative": row.cooperative,
        "marketplace": row.marketplace,
        "shop_url": row.shop_url,
        "from_date": row.from_date,
        "to_date": row.to_date,
    }


def _visible(actor: Actor):
    households = Household.select(Household.id).where(visible_households(actor))
    cooperatives = Cooperative.select(Cooperative.id).where(visible_cooperatives(actor))
    return DeclaredListing.household.is_in(households) | DeclaredListing.cooperative.is_in(cooperatives)


async def get(actor: Actor, listing_id: int) -> DeclaredListingRead:
    row = await DeclaredListing.select().where(_visible(actor) & (DeclaredListing.id == listing_id)).first()
    if row is None:
        raise NotFound("Không tìm thấy gian hàng đã khai báo.", "Declared listing not found.")
    return _read(row)


async def list_declared(actor: Actor, household_id: int | None = None) -> list[DeclaredListingRead]:
    query = DeclaredListing.select().where(_visible(actor))
    if household_id is not None:
        query = query.where(DeclaredListing.household == household_id)
    return [_read(row) for row in await query.order_by(DeclaredListing.id)]


async def set_end(actor: Actor, listing_id: int, to_date: date | None) -> DeclaredListingRead:
    current = await get(actor, listing_id)
    require_declarer(actor)
    check_dates(current.from_date, to_date, stored_start=True)
    async with write_transaction():
        await DeclaredListing.update({DeclaredListing.to_date: to_date}).where(
            DeclaredListing.id == listing_id
        )
        await summary.refresh([current.household_id])
        change = audit.diff({"to_date": current.to_date}, {"to_date": to_date})
        await audit.record(actor, "declared_listing", listing_id, "update", change)
    return await get(actor, listing_id)
