"""Integrations' part of the retention job (``agrimarket.privacy.retention``, wired by
``integrations.plugin.connect``): a finished order older than the period forgets where its
parcel went.

Its delivery commune and tracking number are blanked and the shipping labels we kept (PDFs with the
buyer's name and address) are deleted. Its date, status, amount, items and seller stay: the
indicators (households transacting, transactions, their value) and the seller's monthly revenue
read only those. Open orders keep everything, however old.
"""

from __future__ import annotations

from agrimarket.db import write_transaction
from agrimarket.privacy.periods import RetentionRun
from agrimarket.privacy.retention import BATCH
from integrations.adapters.desk import LABEL_SIZES
from integrations.orders.labels import label_key
from integrations.tables import MarketplaceOrder

FINISHED = ("delivered", "cancelled", "returned")


async def forget_delivery_data(run: RetentionRun) -> int:
    cutoff = run.cutoff(run.periods.delivery_data_days)
    changed = 0
    while True:
        rows = (
            await MarketplaceOrder.select(MarketplaceOrder.id, MarketplaceOrder.tracking_number)
            .where(
                (MarketplaceOrder.placed_at < cutoff)
                & MarketplaceOrder.status.is_in(list(FINISHED))
                & ((MarketplaceOrder.commune != "") | (MarketplaceOrder.tracking_number != ""))
            )
            .limit(BATCH)
        )
        # The labels first: their names are made from the tracking number, so a label whose row was
        # blanked could never be found again. A store that is down fails the step; the next pass retries.
        for row in rows:
            for size in LABEL_SIZES if row["tracking_number"] else ():
                await run.storage.delete(
                    label_key(run.settings.secret_key, row["id"], size, row["tracking_number"])
                )
        if rows:
            async with write_transaction():
                await MarketplaceOrder.update(
                    {MarketplaceOrder.commune: "", MarketplaceOrder.tracking_number: ""}
                ).where(MarketplaceOrder.id.is_in([row["id"] for row in rows]))
        changed += len(rows)
        if len(rows) < BATCH:
            return changed
