"""Integrations' side of personal data (``agrimarket.privacy``): a household's marketplace
accounts, listings and orders in its "My data", and what is erased when its account is closed.

The seller accounts (shop ids and credentials) are deleted; listings, their history and the orders'
figures stay, as the indicators' history counted by commune (no name or phone is stored in them).
"""

from __future__ import annotations

from agrimarket.events import HouseholdErased
from agrimarket.privacy.parts import DataPart, DataSection, Subject, rows_in, rows_of
from integrations.tables import (
    Listing,
    ListingHistory,
    MarketplaceAccount,
    MarketplaceOrder,
    OrderItem,
    OrderStatusChange,
)


async def read(subject: Subject) -> list[DataSection]:
    hh = subject.household_id if subject.household_id is not None else -1
    orders = [
        r["id"]
        for r in await MarketplaceOrder.select(MarketplaceOrder.id).where(MarketplaceOrder.household == hh)
    ]
    return [
        DataSection(
            "marketplace_account",
            "Tài khoản trên sàn / Marketplace accounts",
            await rows_of(
                MarketplaceAccount, MarketplaceAccount.owner_household == hh, omit=("credentials_encrypted",)
            ),
        ),
        DataSection(
            "listing", "Tin đăng trên sàn / Listings", await rows_of(Listing, Listing.household == hh)
        ),
        DataSection(
            "listing_history",
            "Lịch sử tin đăng / Listing history",
            await rows_of(ListingHistory, ListingHistory.household == hh),
        ),
        DataSection(
            "marketplace_order",
            "Đơn hàng / Orders",
            await rows_in(MarketplaceOrder, MarketplaceOrder.id, orders),
        ),
        DataSection(
            "order_item", "Hàng trong đơn / Order items", await rows_in(OrderItem, OrderItem.order, orders)
        ),
        DataSection(
            "order_status_change",
            "Trạng thái đơn / Order status history",
            await rows_in(OrderStatusChange, OrderStatusChange.order, orders),
        ),
    ]


PART = DataPart(
    covers=(
        "marketplace_account.owner_household",
        "listing.household",
        "listing_history.household",
        "marketplace_order.household",
    ),
    read=read,
)


async def on_household_erased(event: HouseholdErased) -> None:
    await MarketplaceAccount.delete().where(MarketplaceAccount.owner_household == event.household_id)
