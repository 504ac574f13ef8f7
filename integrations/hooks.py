"""Entry points other apps call (agrimarket.products.service); imports lazily to avoid cycles."""

from __future__ import annotations


async def product_changed(product_id: int, deleted: bool = False) -> None:
    """Queue listing updates (or delists) for a product; call inside the product write's transaction."""
    from integrations.listings.service import product_changed as queue_changes

    await queue_changes(product_id, deleted)


async def membership_ended(household_id: int, cooperative_id: int) -> int:
    """A household left (or was removed from) its cooperative: take down the listings the
    cooperative's shop accounts carry for it; call inside the membership write's transaction.
    Returns how many listings are being taken down."""
    from integrations.listings.service import membership_ended as take_down

    return await take_down(household_id, cooperative_id)


async def live_links(product_id: int) -> list[dict]:
    """Where to buy the product: its live listings as [{name, url}] (the public scan page shows them)."""
    from integrations.listings.views import live_links as links

    return await links(product_id)


def transaction():
    """The write transaction product changes run in (on SQLite it takes the write lock up front)."""
    from agrimarket.db import write_transaction

    return write_transaction()
