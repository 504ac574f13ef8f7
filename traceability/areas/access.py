"""Which growing areas and batches an actor may see. Out-of-scope rows look absent (404)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable, WhereRaw

from agrimarket.accounts.actor import Actor, Role
from agrimarket.products.access import NOTHING
from traceability.tables import Batch, GrowingArea, PackingFacility

EVERYTHING = WhereRaw("1 = 1")


def visible_owned(table: type[GrowingArea] | type[PackingFacility], actor: Actor) -> Combinable:
    """Rows of a register owned like a growing area (``owner_household`` / ``owner_cooperative``, lying in
    ``commune``): own rows, the cooperative's and its members', or (officers) those inside their scope."""
    if actor.role == Role.ADMIN:
        return EVERYTHING
    if actor.role == Role.HOUSEHOLD:
        return table.owner_household == actor.household_id if actor.household_id else NOTHING
    if actor.role == Role.COOP_MANAGER:
        if not actor.cooperative_id:
            return NOTHING
        return (table.owner_cooperative == actor.cooperative_id) | (
            table.owner_household.cooperative == actor.cooperative_id
        )
    # Officers: by where the row lies, not where its owner lives.
    if actor.scope_commune:
        return table.commune == actor.scope_commune
    if actor.scope_province:
        return table.commune._.province == actor.scope_province
    return NOTHING


def visible_areas(actor: Actor) -> Combinable:
    """Own areas, the cooperative's and its members', or (officers) the areas inside their scope."""
    return visible_owned(GrowingArea, actor)


def visible_batches(actor: Actor) -> Combinable:
    """Batches of visible products; officers see the batches grown inside their scope."""
    if actor.role == Role.ADMIN:
        return EVERYTHING
    if actor.role == Role.HOUSEHOLD:
        return Batch.product.owner_household == actor.household_id if actor.household_id else NOTHING
    if actor.role == Role.COOP_MANAGER:
        if not actor.cooperative_id:
            return NOTHING
        return (Batch.product.owner_cooperative == actor.cooperative_id) | (
            Batch.product._.owner_household.cooperative == actor.cooperative_id
        )
    if actor.scope_commune:
        return Batch.growing_area.commune == actor.scope_commune
    if actor.scope_province:
        return Batch.growing_area._.commune.province == actor.scope_province
    return NOTHING
