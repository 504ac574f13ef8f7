"""A household with a record of (nearly) every kind, for the export and deletion tests."""

from __future__ import annotations

from agrimarket import clock
from integrations.listings.service import ensure_marketplaces
from integrations.tables import Listing, ListingHistory, Marketplace, MarketplaceAccount, MarketplaceOrder
from tests.factories import Accounts, Session
from tests.traceability.test_scan import stamped

BANK = {"bank_bin": "970405", "account_number": "1500205123456", "account_name": "NGUYEN VAN AN"}


async def rich_household(client, accounts: Accounts) -> tuple[Session, list[str]]:
    """A household with a product, a stamped batch, a bank account, consents, a marketplace
    account, a listing with history and an order; its stamps' serials."""
    session, product, _, serials = await stamped(client, accounts, count=2)
    household_id = session.me["household_id"]
    saved = await client.put("/api/v1/bank-account", json=BANK, headers=session.headers)
    assert saved.status_code == 200, saved.text
    await client.put("/api/v1/me/consents", json={"granted": ["training_messages"]}, headers=session.headers)
    await ensure_marketplaces()
    voso = await Marketplace.select(Marketplace.id).where(Marketplace.code == "voso").first()
    now = clock.now()
    account = MarketplaceAccount(
        marketplace=voso["id"],
        owner_household=household_id,
        shop_id="shop-an",
        credentials_encrypted="x",
        created_at=now,
    )
    await account.save()
    listing = Listing(
        product=product["id"],
        marketplace=voso["id"],
        account=account.id,
        household=household_id,
        state="live",
        created_at=now,
        updated_at=now,
    )
    await listing.save()
    await ListingHistory(
        listing=listing.id, marketplace=voso["id"], household=household_id, to_state="live", version=1, at=now
    ).save()
    await MarketplaceOrder(
        marketplace=voso["id"],
        order_ref="VS0001",
        household=household_id,
        placed_at=now,
        amount_vnd=120000,
        status="placed",
        status_at=now,
        created_at=now,
        commune="Cát Hải",
    ).save()
    return session, serials
