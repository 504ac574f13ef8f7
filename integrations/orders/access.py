"""Whose orders an actor may see: the seller's own, like their products (agrimarket.products.access)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor
from agrimarket.accounts.visibility import visible_owned
from integrations.tables import MarketplaceOrder


def visible_orders(actor: Actor) -> Combinable:
    return visible_owned(actor, MarketplaceOrder.household, MarketplaceOrder.cooperative)
