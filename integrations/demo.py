"""Demo marketplace accounts and listings (listed in integrations/piccolo_app.py's DEMO_SEEDERS, run
by agrimarket.demo.seed() after the core's products exist).

Connects the demo cooperative and two households to the simulated Postmart, Voso, Shopee, Lazada and
TikTok Shop (mounted in `make run`) and publishes their products; the in-process worker makes them
live once the app runs. On Shopee the cooperative shows only half of each product's stock (a stock
share). Lazada and TikTok Shop accounts hold the code their consent page would give (the simulators
accept the demo apps), traded for tokens on the first push as a real connection's is.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket import demo_data as demo
from agrimarket.settings import get_settings
from agrimarket.tables import Cooperative, Household, Product, User
from integrations import crypto
from integrations.listings import service as listings
from integrations.settings import IntegrationsSettings
from integrations.simulators.credentials import demo_credentials
from integrations.simulators.shopee_catalog import ORIGIN, SHELF_LIFE, VIETNAM
from integrations.tables import Listing, Marketplace, MarketplaceAccount

SHOPEE_SHOP = "880001"  # the demo cooperative's shop on the simulated Shopee
SHOPEE_PRODUCTS = 4  # the cooperative's first products also go on Shopee, Lazada and TikTok Shop
LAZADA_SHOP = "200880"  # the demo cooperative's seller id on the simulated Lazada
TIKTOK_SHOP = "7494000000000880001"  # and its shop id on the simulated TikTok Shop
# What the farmers answered on the product form for Shopee: made in Việt Nam, keeps 12 months.
SHOPEE_ANSWERS = {f"shopee.{ORIGIN}": str(VIETNAM), f"shopee.{SHELF_LIFE}": "2005"}


async def seed() -> list[str]:
    """Create this part's demo records; returns summary lines to print."""
    settings = get_settings()
    await listings.ensure_marketplaces()
    markets = {m["code"]: m["id"] for m in await Marketplace.select(Marketplace.code, Marketplace.id)}
    coop = await Cooperative.select(Cooperative.id).where(Cooperative.tax_code == demo.COOP[1]).first()
    manager = await User.select(User.id).where(User.phone == demo.MANAGER[0]).first()
    member = await Household.select(Household.id).where(Household.phone == demo.member_phone(0)).first()
    other = await Household.select(Household.id).where(Household.phone == demo.OTHERS[0][1]).first()
    if not (coop and manager and member and other):
        return ["Marketplaces: demo cooperative or households missing, nothing listed."]

    async def account(code: str, shop_id: str, **owner) -> None:
        credentials = crypto.encrypt(
            settings.section(IntegrationsSettings).credentials_key, demo_credentials(code, shop_id)
        )
        await MarketplaceAccount.insert(
            MarketplaceAccount(
                marketplace=markets[code],
                shop_id=shop_id,
                credentials_encrypted=credentials,
                created_at=datetime.now(UTC),
                **owner,
            )
        )

    # The seed runs before the app: accounts are trusted here (the simulators accept demo credentials).
    await account("postmart", "htx-cat-hai", owner_cooperative=coop["id"])
    await account("voso", "htx-cat-hai", owner_cooperative=coop["id"])
    await account("postmart", "ho-nguyen-van-hung", owner_household=member["id"])
    await account("voso", "ho-luong-van-sang", owner_household=other["id"])
    # Shopee shop ids are numbers; the demo code is traded for tokens on the first push.
    await account("shopee", SHOPEE_SHOP, owner_cooperative=coop["id"])
    await account("lazada", LAZADA_SHOP, owner_cooperative=coop["id"])
    await account("tiktok", TIKTOK_SHOP, owner_cooperative=coop["id"])

    manager_actor = await demo.actor_for(manager["id"])
    coop_products = await Product.select(Product.id).where(
        (Product.owner_cooperative == coop["id"]) | (Product.owner_household.cooperative == coop["id"])
    )
    for i, row in enumerate(coop_products):
        await listings.publish(manager_actor, row["id"], "postmart")
        if i % 2 == 0:
            await listings.publish(manager_actor, row["id"], "voso")
        if i < SHOPEE_PRODUCTS:
            await Product.update({Product.marketplace_attributes: SHOPEE_ANSWERS}).where(
                Product.id == row["id"]
            )
            listing_id = await listings.publish(manager_actor, row["id"], "shopee")
            # Half the stock on Shopee: a rush there cannot sell what Postmart buyers are taking.
            await Listing.update({Listing.share_percent: 50}).where(Listing.id == listing_id)
            await listings.publish(manager_actor, row["id"], "lazada")
            await listings.publish(manager_actor, row["id"], "tiktok")
    other_user = await User.select(User.id).where(User.phone == demo.OTHERS[0][1]).first()
    assert other_user is not None
    for row in await Product.select(Product.id).where(Product.owner_household == other["id"]):
        await listings.publish(await demo.actor_for(other_user["id"]), row["id"], "voso")
    base = settings.public_base_url
    return [
        f"Marketplaces: {await Listing.count()} listings queued on the simulated Postmart, Voso, Shopee, "
        "Lazada and TikTok Shop (live within seconds of `make run`):",
        f"  {base}/sim/postmart/shop/htx-cat-hai  {base}/sim/voso/shop/htx-cat-hai",
        f"  {base}/sim/lazada/shop/{LAZADA_SHOP}  {base}/sim/tiktok/shop/{TIKTOK_SHOP}",
        f"  {base}/sim/shopee/shop/{SHOPEE_SHOP}  (Shopee is shown 50 % of the stock; "
        "set it per listing under “Chia hàng cho các sàn” on a product card)",
    ]
