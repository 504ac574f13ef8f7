"""The periodic pull of orders from every connected seller account (a webhook lost on the way,
or never sent, is caught here); the sync worker runs it with its reconciliation."""

from __future__ import annotations

import logging
import time

from agrimarket.errors import Invalid
from integrations import crypto
from integrations.adapters.base import Account, CredentialsError, Rejected, Retryable
from integrations.adapters.registry import Adapters
from integrations.orders import followup, service
from integrations.settings import IntegrationsSettings
from integrations.tables import MarketplaceAccount

log = logging.getLogger(__name__)
# Ask from a little before the last pull: clocks differ, and an order counted twice is still one.
OVERLAP_S = 300.0


async def pull_orders(adapters: Adapters, settings: IntegrationsSettings) -> int:
    """Pull each healthy account's orders changed since its last pull; the number of changes."""
    rows = await MarketplaceAccount.select(
        *MarketplaceAccount.all_columns(),
        MarketplaceAccount.marketplace.code.as_alias("code"),
    ).where(MarketplaceAccount.needs_attention.eq(False))
    changed = 0
    for row in rows:
        started = time.time()
        account = Account(
            row["shop_id"], crypto.decrypt(settings.credentials_key, row["credentials_encrypted"]), row["id"]
        )
        try:
            orders = await adapters.get(row["code"]).fetch_orders(
                account, max(0.0, row["orders_pulled_at"] - OVERLAP_S)
            )
        except (Retryable, Rejected, CredentialsError) as exc:
            log.info("order pull from %s account %s failed: %s", row["code"], row["id"], exc)
            continue  # tried again at the next pull, from the same point
        except (KeyError, TypeError, ValueError):
            # An answer outside the contract: the other accounts are still pulled.
            log.exception("order pull from %s account %s: unreadable answer", row["code"], row["id"])
            continue
        for remote in orders:
            try:
                changed += await service.receive(row["code"], remote, "pull")
            except Invalid:
                log.warning("order %s from %s is malformed, skipped", remote.order_id, row["code"])
        await MarketplaceAccount.update({MarketplaceAccount.orders_pulled_at: started}).where(
            MarketplaceAccount.id == row["id"]
        )
    await followup.after_pull(adapters, settings.credentials_key)  # payouts, late tracking numbers
    return changed
