"""Demo back-history for the indicator dashboard (Hải Phòng), run after integrations.demo (listed
in integrations/piccolo_app.py's DEMO_SEEDERS): it writes listing history through the sync's own
writer, so it lives with the listings, not with the indicators that read it.

Writes what a year of real use would have left: listing state history (as the sync writes it),
declared listings on Shopee / TikTok Shop / Facebook-Zalo, and the cooperative's supplier households.
Deterministic (seeded random) and idempotent: nothing is added when declared listings already exist.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from agrimarket.demo_data import COOP, HAI_PHONG
from agrimarket.indicators.definition import VIETNAM, today
from agrimarket.tables import Commune, Cooperative, DeclaredListing, Household, Product, ProductSupplier
from integrations.listings.service import append_history, ensure_marketplaces
from integrations.tables import Listing, Marketplace

COOP_TAX_CODE = COOP[1]
# Households of other Hải Phòng communes that declared their online shops to the commune office.
OTHER_HEADS = (
    "Nguyễn Văn Bình", "Lê Thị Thoa", "Phạm Văn Đông", "Trần Thị Mai", "Vũ Văn Khải", "Hoàng Thị Yến",
    "Đỗ Văn Quang", "Bùi Thị Huệ", "Ngô Văn Thành", "Đinh Thị Lựu", "Mạc Văn Hưng", "Cao Thị Duyên",
    "Tạ Văn Long", "Lương Thị Sen", "Phan Văn Tuấn", "Hà Thị Nhung", "Nguyễn Văn Kiên", "Đặng Thị Oanh",
)  # fmt: skip
DECLARED_MARKETS = ("shopee", "facebook_zalo", "tiktok_shop", "shopee", "facebook_zalo", "lazada")


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randint(7, 21), rng.randint(0, 59), tzinfo=VIETNAM)


async def _listing_history(
    rng: random.Random,
    product: dict,
    markets: dict[str, int],
    start: date,
    existing: dict[tuple[int, int], dict],
) -> int:
    """Backdated live spans per marketplace (sometimes delisted and relisted).

    A listing the integrations demo just published gets its past prepended (version 0, before its
    first row); otherwise a listing is created whose state is its last backdated change.
    """
    rows = 0
    for market_id in markets.values():
        if rng.random() < 0.35:
            continue
        live_from = start + timedelta(days=rng.randint(0, 300))
        if live_from >= today() - timedelta(days=2):
            continue
        changes = [("pending", live_from - timedelta(days=1)), ("live", live_from)]
        if rng.random() < 0.3:
            off = live_from + timedelta(days=rng.randint(30, 120))
            if off < today() - timedelta(days=2):
                changes.append(("delisted", off))
                back = off + timedelta(days=rng.randint(20, 60))
                if back < today() - timedelta(days=2):
                    changes.append(("live", back))
        listing = existing.get((product["id"], market_id))
        versions: Sequence[int]
        if listing is None:
            created = Listing(
                product=product["id"],
                marketplace=market_id,
                household=product["owner_household"],
                cooperative=product["owner_cooperative"],
                state=changes[-1][0],
                wanted="live" if changes[-1][0] == "live" else "delisted",
                version=len(changes),
                synced_version=len(changes),  # nothing left for the sync worker to send
                created_at=_at(changes[0][1], rng),
                updated_at=datetime.now(UTC),
            )
            await created.save()
            listing_id, versions = created.id, range(1, len(changes) + 1)
        else:
            listing_id, versions = listing["id"], [0] * len(changes)
        written = {"id": listing_id, "marketplace": market_id, "household": product["owner_household"]}
        written["cooperative"] = product["owner_cooperative"]
        previous = None
        for version, (state, day) in zip(versions, changes, strict=True):
            # The sync's own writer, so the live spans follow the backdated rows.
            await append_history(written, previous, state, version, "demo", at=_at(day, rng))
            previous, rows = state, rows + 1
    return rows


async def seed() -> list[str]:
    """Create the back-history once; returns summary lines to print."""
    if await DeclaredListing.exists():
        return ["Indicators: demo history already present, nothing added."]
    rng = random.Random(31)  # noqa: S311 - demo data, not secrets
    start = today().replace(day=1) - timedelta(days=365)
    coop = await Cooperative.select(Cooperative.id).where(Cooperative.tax_code == COOP_TAX_CODE).first()
    await ensure_marketplaces()
    markets = {m["code"]: m["id"] for m in await Marketplace.select(Marketplace.code, Marketplace.id)}
    existing = {
        (r["product"], r["marketplace"]): r
        for r in await Listing.select(Listing.id, Listing.product, Listing.marketplace)
    }
    in_hai_phong = (Product.owner_household._.commune.province == HAI_PHONG) | (
        Product.owner_cooperative._.commune.province == HAI_PHONG
    )
    products = await Product.select(Product.id, Product.owner_household, Product.owner_cooperative).where(
        in_hai_phong
    )
    history_rows = suppliers = 0
    for product in products:
        history_rows += await _listing_history(rng, product, markets, start, existing)
    if coop:
        members = (
            await Household.select(Household.id)
            .where(Household.cooperative == coop["id"])
            .output(as_list=True)
        )
        for product in (p for p in products if p["owner_cooperative"] == coop["id"]):
            for household_id in rng.sample(members, min(4, len(members))):
                since = datetime.combine(start, datetime.min.time(), tzinfo=VIETNAM)
                await ProductSupplier(product=product["id"], household=household_id, added_at=since).save()
                suppliers += 1
    communes = await Commune.select(Commune.code).where(Commune.province == HAI_PHONG).order_by(Commune.code)
    picked = rng.sample([c["code"] for c in communes], 6)
    declared = 0
    for i, head in enumerate(OTHER_HEADS):
        household = Household(
            head_name=head,
            phone=f"09193{i + 1:05d}",
            address="",
            commune=picked[i % len(picked)],
            created_at=datetime.now(UTC),
        )
        await household.save()
        market = DECLARED_MARKETS[i % len(DECLARED_MARKETS)]
        from_date = start + timedelta(days=rng.randint(0, 330))
        ends = rng.random() < 0.25
        await DeclaredListing(
            household=household.id,
            marketplace=market,
            shop_url=f"https://{'shopee.vn' if market == 'shopee' else 'example.vn'}/demo-{i + 1}",
            from_date=from_date,
            to_date=from_date + timedelta(days=rng.randint(60, 150)) if ends else None,
            created_at=datetime.now(UTC),
        ).save()
        declared += 1
    return [
        f"Indicators: {history_rows} backdated listing history rows, {suppliers} supplier links, "
        f"{declared} declared listings (Hải Phòng, since {start:%m/%Y})."
    ]
