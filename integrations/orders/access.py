"""Whose orders an actor may see: the seller's own, like their products (agrimarket.products.access)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.visibility import NOTHING, visible_owned
from integrations.tables import MarketplaceOrder


def visible_orders(actor: Actor) -> Combinable:
    return visible_owned(actor, MarketplaceOrder.household, MarketplaceOrder.cooperative)


# Who works the order desk: the seller (a household, a cooperative's manager for the cooperative
# and its consenting members) and the admin; an officer oversees sales, not the sellers' parcels.
SELLERS = (Role.HOUSEHOLD, Role.COOP_MANAGER, Role.ADMIN)


def desk_orders(actor: Actor) -> Combinable:
    """The orders an actor may work in the inbox: as ``visible_orders``, officers excepted."""
    return visible_orders(actor) if actor.role in SELLERS else NOTHING
