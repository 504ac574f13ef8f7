"""Whose orders an actor may see: the seller's own, like their products (agrimarket.products.access)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable, WhereRaw

from agrimarket.accounts.actor import Actor, Role
from agrimarket.products.access import NOTHING
from integrations.tables import MarketplaceOrder as O


def visible_orders(actor: Actor) -> Combinable:
    if actor.role == Role.ADMIN:
        return WhereRaw("1 = 1")
    if actor.role == Role.HOUSEHOLD:
        return O.household == actor.household_id if actor.household_id else NOTHING
    if actor.role == Role.COOP_MANAGER:
        if not actor.cooperative_id:
            return NOTHING
        # The cooperative's own orders and those of its current members.
        return (O.cooperative == actor.cooperative_id) | (O.household.cooperative == actor.cooperative_id)
    if actor.scope_commune:
        return (O.household.commune == actor.scope_commune) | (O.cooperative.commune == actor.scope_commune)
    if actor.scope_province:
        return (O.household.commune.province == actor.scope_province) | (
            O.cooperative.commune.province == actor.scope_province
        )
    return NOTHING
