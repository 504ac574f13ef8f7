"""Fees and payouts, as each marketplace reports them (``OrderDesk.order_money``), read for
delivered orders until the payout is released; the worker's order pull calls ``refresh``."""

from __future__ import annotations

import logging

from agrimarket.db import write_transaction
from integrations.adapters.base import CredentialsError, Rejected, Retryable
from integrations.adapters.registry import Adapters
from integrations.orders.seller import order_account
from integrations.tables import MarketplaceOrder

log = logging.getLogger(__name__)
PER_PASS = 50  # orders asked per pass; the rest wait for the next one


async def refresh(adapters: Adapters, credentials_key: str) -> int:
    """Ask the marketplace for each delivered order's money until it is paid out; orders changed."""
    rows = (
        await MarketplaceOrder.select(
            MarketplaceOrder.id,
            MarketplaceOrder.order_ref,
            MarketplaceOrder.fees_vnd,
            MarketplaceOrder.payout_vnd,
            MarketplaceOrder.marketplace.code.as_alias("code"),
        )
        .where((MarketplaceOrder.status == "delivered") & MarketplaceOrder.paid_out.eq(False))
        .order_by(MarketplaceOrder.status_at)
        .limit(PER_PASS)
    )
    changed = 0
    for row in rows:
        adapter = adapters.get(row["code"])
        account = await order_account(row["id"], credentials_key)
        if account is None or not hasattr(adapter, "order_money"):
            continue
        try:
            money = await adapter.order_money(account, row["order_ref"])
        except (Retryable, Rejected, CredentialsError) as exc:
            log.info("money of order %s not read: %s", row["order_ref"], exc)
            continue
        if (money.fees_vnd, money.payout_vnd, money.paid_out) == (row["fees_vnd"], row["payout_vnd"], False):
            continue
        async with write_transaction():
            await MarketplaceOrder.update(
                {
                    MarketplaceOrder.fees_vnd: money.fees_vnd,
                    MarketplaceOrder.payout_vnd: money.payout_vnd,
                    MarketplaceOrder.paid_out: money.paid_out,
                }
            ).where(MarketplaceOrder.id == row["id"])
        changed += 1
    return changed
