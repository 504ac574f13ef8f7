"""The seller account an order was sold through: the account of its listings on that marketplace."""

from __future__ import annotations

from integrations import crypto
from integrations.adapters.base import Account
from integrations.tables import MarketplaceAccount, OrderItem


async def order_account(order_id: int, credentials_key: str) -> Account | None:
    """The account (credentials decrypted) of the order's first item of ours; None when none is left."""
    line = (
        await OrderItem.select(OrderItem.listing.account.as_alias("account"))
        .where((OrderItem.order == order_id) & OrderItem.listing.account.is_not_null())
        .first()
    )
    if line is None:
        return None
    row = await MarketplaceAccount.select().where(MarketplaceAccount.id == line["account"]).first()
    if row is None:
        return None
    credentials = crypto.decrypt(credentials_key, row["credentials_encrypted"])
    return Account(row["shop_id"], credentials, account_id=row["id"])
