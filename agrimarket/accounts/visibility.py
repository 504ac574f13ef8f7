"""Which owned rows an actor may see: the one rule behind products, orders, growing areas, packing
facilities and batches. Out-of-scope rows look absent (404), so callers filter with these."""

from __future__ import annotations

from piccolo.columns import ForeignKey
from piccolo.columns.combination import Combinable, WhereRaw

from agrimarket.accounts.actor import Actor, Role

NOTHING = WhereRaw("1 = 0")
EVERYTHING = WhereRaw("1 = 1")


def visible_owned(
    actor: Actor, household: ForeignKey, cooperative: ForeignKey, located_in: ForeignKey | None = None
) -> Combinable:
    """Rows a household or a cooperative owns (``household`` / ``cooperative``: the row's owner
    columns, joins allowed), as the actor may see them: an admin all; a household its own; a coop
    manager the cooperative's and its current members'; an officer those inside their commune or
    province: by ``located_in`` (the commune column of where the row lies, e.g. a growing area's)
    when given, else by the owner's commune."""
    if actor.role == Role.ADMIN:
        return EVERYTHING
    if actor.role == Role.HOUSEHOLD:
        return household == actor.household_id if actor.household_id else NOTHING
    if actor.role == Role.COOP_MANAGER:
        if not actor.cooperative_id:
            return NOTHING
        return (cooperative == actor.cooperative_id) | (household.cooperative == actor.cooperative_id)
    if actor.scope_commune:
        if located_in is not None:
            return located_in == actor.scope_commune
        return (household.commune == actor.scope_commune) | (cooperative.commune == actor.scope_commune)
    if actor.scope_province:
        if located_in is not None:
            return located_in._.province == actor.scope_province
        return (household._.commune.province == actor.scope_province) | (
            cooperative._.commune.province == actor.scope_province
        )
    return NOTHING
