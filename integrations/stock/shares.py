"""How much of a product's stock one marketplace is shown (the oversell guard).

Several marketplaces selling the same 10 kg each see 10 kg, and a rush on two of them at once sells
20. A listing can show only a share (``share_percent``) of what is left after holding back
``reserve_units`` (kept for the farm's own buyers, or for the slowest marketplace); always rounded
down, so the shares never add up to more than the stock.
"""

from __future__ import annotations

SHARE_MIN, SHARE_MAX = 0, 100


def pushed_stock(stock: int, share_percent: int = 100, reserve_units: int = 0) -> int:
    """Units a marketplace may sell: (stock - reserve) x share %, rounded down, never negative."""
    available = max(0, int(stock) - max(0, int(reserve_units)))
    share = min(SHARE_MAX, max(SHARE_MIN, int(share_percent)))
    return available * share // 100
