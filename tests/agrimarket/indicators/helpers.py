"""Direct builders for indicator tests: households, listings and their state history."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from agrimarket.indicators import summary
from agrimarket.indicators.definition import VIETNAM
from agrimarket.tables import Cooperative, DeclaredListing, Household, Product, ProductSupplier
from integrations.listings.service import append_history
from integrations.tables import Listing, Marketplace
from tests.factories import CAT_HAI, tax_code

_seq = itertools.count(1)


def vn(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """A moment in Vietnam time."""
    return datetime(year, month, day, hour, tzinfo=VIETNAM)


async def household(
    commune: str = CAT_HAI, cooperative: int | None = None, name: str = "Nguyễn Văn An"
) -> int:
    n = next(_seq)
    row = Household(
        head_name=f"{name} {n}",
        phone=f"097{n:07d}",
        commune=commune,
        cooperative=cooperative,
        created_at=datetime.now(UTC),
    )
    await row.save()
    return row.id


async def cooperative(commune: str = CAT_HAI) -> int:
    n = next(_seq)
    row = Cooperative(
        name=f"HTX {n}", tax_code=tax_code(n + 500), commune=commune, created_at=datetime.now(UTC)
    )
    await row.save()
    return row.id


async def product(household_id: int | None = None, cooperative_id: int | None = None) -> int:
    now = datetime.now(UTC)
    row = Product(
        owner_household=household_id,
        owner_cooperative=cooperative_id,
        name="Cá song",
        category="thuy_san",
        unit="kg",
        price_vnd=380000,
        created_at=now,
        updated_at=now,
    )
    await row.save()
    return row.id


async def market(code: str) -> int:
    row = await Marketplace.select(Marketplace.id).where(Marketplace.code == code).first()
    if row:
        return row["id"]
    created = Marketplace(code=code, name=code.title())
    await created.save()
    return created.id


async def listing(
    household_id: int | None = None,
    cooperative_id: int | None = None,
    product_id: int | None = None,
    code: str = "postmart",
) -> int:
    now = datetime.now(UTC)
    row = Listing(
        product=product_id,
        marketplace=await market(code),
        household=household_id,
        cooperative=cooperative_id,
        created_at=now,
        updated_at=now,
    )
    await row.save()
    return row.id


async def history(listing_id: int, *changes: tuple[str, datetime]) -> None:
    """Append state changes (to_state, at) through the sync's own writer, which keeps the live spans."""
    row = await Listing.select().where(Listing.id == listing_id).first()
    previous = None
    for version, (state, at) in enumerate(changes, start=1):
        await append_history(row, previous, state, version, at=at)
        previous = state


async def stored(row: DeclaredListing | ProductSupplier) -> None:
    """Save a declared listing or a supply as written directly, then refresh the summary as their
    services do in the same transaction."""
    await row.save()
    await summary.refresh([row.household])
