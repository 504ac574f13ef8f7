"""What the order pull asks each marketplace after the orders themselves (``after_pull``): fees and
payouts of delivered orders until the payout is released (``OrderDesk.order_money``), and the
tracking number of a shipment arranged before the carrier gave one (``OrderDesk.tracking``)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from agrimarket.db import write_transaction
from integrations.adapters.base import CredentialsError, Rejected, Retryable
from integrations.adapters.registry import Adapters
from integrations.orders.seller import order_account
from integrations.tables import MarketplaceOrder

log = logging.getLogger(__name__)
PER_PASS = 50  # orders asked per pass and kind; the rest wait for the next one
# How long after its last change an order is still asked about: marketplaces settle within weeks,
# and an order they never settle must not take the pass's places for ever.
FOLLOW_FOR = timedelta(days=60)
# Stages in which the carrier has (or is about to have) the parcel, so a tracking number exists.
WITH_CARRIER = ["to_pickup", "in_transit", "delivery_failed"]


async def after_pull(adapters: Adapters, credentials_key: str) -> int:
    """Both follow-ups; the orders changed."""
    return await money(adapters, credentials_key) + await tracking(adapters, credentials_key)


async def tracking(adapters: Adapters, credentials_key: str) -> int:
    """Ask for the tracking number of each shipped or arranged order that has none yet."""
    rows = (
        await MarketplaceOrder.select(
            MarketplaceOrder.id,
            MarketplaceOrder.order_ref,
            MarketplaceOrder.marketplace.code.as_alias("code"),
        )
        .where(
            MarketplaceOrder.stage.is_in(WITH_CARRIER)
            & (MarketplaceOrder.tracking_number == "")
            & (MarketplaceOrder.stage_at >= datetime.now(UTC) - FOLLOW_FOR)
        )
        .limit(PER_PASS)
    )
    changed = 0
    for row in rows:
        adapter = adapters.get(row["code"])
        account = await order_account(row["id"], credentials_key)
        if account is None or not hasattr(adapter, "tracking"):
            continue
        try:
            shipment = await adapter.tracking(account, row["order_ref"])
        except (Retryable, Rejected, CredentialsError) as exc:
            log.info("tracking number of order %s not read: %s", row["order_ref"], exc)
            continue
        if shipment.tracking_number:
            async with write_transaction():
                await MarketplaceOrder.update(
                    {MarketplaceOrder.tracking_number: shipment.tracking_number[:60]}
                ).where(MarketplaceOrder.id == row["id"])
            changed += 1
    return changed


async def money(adapters: Adapters, credentials_key: str) -> int:
    """Ask the marketplace for each delivered order's money until it is paid out; orders changed."""
    rows = (
        await MarketplaceOrder.select(
            MarketplaceOrder.id,
            MarketplaceOrder.order_ref,
            MarketplaceOrder.fees_vnd,
            MarketplaceOrder.payout_vnd,
            MarketplaceOrder.marketplace.code.as_alias("code"),
        )
        .where(
            (MarketplaceOrder.status == "delivered")
            & MarketplaceOrder.paid_out.eq(False)
            & (MarketplaceOrder.status_at >= datetime.now(UTC) - FOLLOW_FOR)
        )
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
            reported = await adapter.order_money(account, row["order_ref"])
        except (Retryable, Rejected, CredentialsError) as exc:
            log.info("money of order %s not read: %s", row["order_ref"], exc)
            continue
        if (reported.fees_vnd, reported.payout_vnd, reported.paid_out) == (
            row["fees_vnd"],
            row["payout_vnd"],
            False,
        ):
            continue
        async with write_transaction():
            await MarketplaceOrder.update(
                {
                    MarketplaceOrder.fees_vnd: reported.fees_vnd,
                    MarketplaceOrder.payout_vnd: reported.payout_vnd,
                    MarketplaceOrder.paid_out: reported.paid_out,
                }
            ).where(MarketplaceOrder.id == row["id"])
        changed += 1
    return changed
