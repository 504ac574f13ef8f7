"""Demo data of this part, called by agrimarket.demo.seed() after the products exist."""

from __future__ import annotations


async def seed() -> list[str]:
    """Create this part's demo records; returns summary lines to print."""
    return []
