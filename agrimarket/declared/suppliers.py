"""Supplier households of a cooperative's own product (the members whose produce is in it)."""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket.accounts.actor import Actor, Role
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.declared.schemas import SupplierRead
from agrimarket.errors import Forbidden, Invalid, NotFound
from agrimarket.indicators import summary
from agrimarket.products.access import visible_products
from agrimarket.tables import Household, Product, ProductSupplier


async def _product(actor: Actor, product_id: int) -> dict:
    row = (
        await Product.select(Product.id, Product.owner_cooperative)
        .where(visible_products(actor) & (Product.id == product_id))
        .first()
    )
    if row is None:
        raise NotFound("Không tìm thấy sản phẩm.", "Product not found.")
    return row


async def list_suppliers(actor: Actor, product_id: int) -> list[SupplierRead]:
    await _product(actor, product_id)
    rows = (
        await ProductSupplier.select(
            ProductSupplier.household,
            ProductSupplier.household.head_name.as_alias("head_name"),
            ProductSupplier.household.commune.as_alias("commune"),
            ProductSupplier.added_at,
        )
        .where((ProductSupplier.product == product_id) & ProductSupplier.removed_at.is_null())
        .order_by(ProductSupplier.household)
    )
    return [SupplierRead(r["household"], r["head_name"], r["commune"], r["added_at"]) for r in rows]


async def set_suppliers(actor: Actor, product_id: int, household_ids: list[int]) -> list[SupplierRead]:
    """Replace the current suppliers; removed links keep their past span for past-date figures."""
    product = await _product(actor, product_id)
    if actor.role not in (Role.COOP_MANAGER, Role.ADMIN):
        raise Forbidden(
            "Chỉ quản lý HTX được chọn hộ cung cấp.", "Only the cooperative's manager can name suppliers."
        )
    coop = product["owner_cooperative"]
    if coop is None:
        raise Invalid(
            "household_ids",
            "Chỉ sản phẩm của hợp tác xã mới có hộ cung cấp.",
            "Only a cooperative's own product has supplier households.",
        )
    wanted = set(household_ids)
    if len(wanted) > 500:
        raise Invalid("household_ids", "Quá nhiều hộ.", "Too many households.")
    if wanted:
        members = (
            await Household.select(Household.id)
            .where(Household.id.is_in(list(wanted)) & (Household.cooperative == coop))
            .output(as_list=True)
        )
        if set(members) != wanted:
            raise Invalid(
                "household_ids",
                "Hộ cung cấp phải là thành viên của hợp tác xã.",
                "Supplier households must be members of the cooperative.",
            )
    now = datetime.now(UTC)
    current = set(
        await ProductSupplier.select(ProductSupplier.household)
        .where((ProductSupplier.product == product_id) & ProductSupplier.removed_at.is_null())
        .output(as_list=True)
    )
    async with write_transaction():
        if current - wanted:
            await ProductSupplier.update({ProductSupplier.removed_at: now}).where(
                (ProductSupplier.product == product_id)
                & ProductSupplier.removed_at.is_null()
                & ProductSupplier.household.is_in(list(current - wanted))
            )
        new = [
            ProductSupplier(product=product_id, household=h, added_by=actor.user_id, added_at=now)
            for h in sorted(wanted - current)
        ]
        if new:
            await ProductSupplier.insert(*new)
        await summary.refresh(current ^ wanted)
        if current != wanted:
            added, removed = sorted(wanted - current), sorted(current - wanted)
            await audit.record(
                actor, "product", product_id, "suppliers", {"added": added, "removed": removed}
            )
    return await list_suppliers(actor, product_id)
