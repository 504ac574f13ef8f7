"""What the core's messages ask of traceability: who owns a batch or a growing area, and what to
call it in a message (``agrimarket.ports.QueryPorts.message_subject``)."""

from __future__ import annotations

from agrimarket.tables import Product
from traceability.tables import Batch, GrowingArea


async def message_subject(kind: str, subject_id: int) -> dict | None:
    if kind == "batch":
        batch = await Batch.select(Batch.product, Batch.lot_code).where(Batch.id == subject_id).first()
        if batch is None:
            return None
        product = (
            await Product.select(Product.name, Product.owner_household, Product.owner_cooperative)
            .where(Product.id == batch["product"])
            .first()
        )
        if product is None:
            return None
        return {
            "household": product["owner_household"],
            "cooperative": product["owner_cooperative"],
            "name": product["name"],
            "code": batch["lot_code"],
        }
    if kind == "area":
        area = (
            await GrowingArea.select(
                GrowingArea.name,
                GrowingArea.official_code,
                GrowingArea.owner_household,
                GrowingArea.owner_cooperative,
            )
            .where(GrowingArea.id == subject_id)
            .first()
        )
        if area is None:
            return None
        return {
            "household": area["owner_household"],
            "cooperative": area["owner_cooperative"],
            "name": area["name"],
            "code": area["official_code"] or "",
        }
    return None
