"""Which products an actor may see and change. Out-of-scope rows look absent (404)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable, WhereRaw

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import Forbidden
from agrimarket.tables import Product

NOTHING = WhereRaw("1 = 0")


def visible_products(actor: Actor) -> Combinable:
    if actor.role == Role.ADMIN:
        return WhereRaw("1 = 1")
    if actor.role == Role.HOUSEHOLD:
        return Product.owner_household == actor.household_id if actor.household_id else NOTHING
    if actor.role == Role.COOP_MANAGER:
        if not actor.cooperative_id:
            return NOTHING
        # The cooperative's own products and those of its current members.
        return (Product.owner_cooperative == actor.cooperative_id) | (
            Product.owner_household.cooperative == actor.cooperative_id
        )
    if actor.scope_commune:
        return (Product.owner_household.commune == actor.scope_commune) | (
            Product.owner_cooperative.commune == actor.scope_commune
        )
    if actor.scope_province:
        return (Product.owner_household.commune.province == actor.scope_province) | (
            Product.owner_cooperative.commune.province == actor.scope_province
        )
    return NOTHING


def require_writer(actor: Actor) -> None:
    if not actor.can_write:
        raise Forbidden(
            "Cán bộ chỉ được xem, không được sửa dữ liệu của hộ.",
            "Officers can read but not change households' data.",
        )
