"""Which growing areas and batches an actor may see. Out-of-scope rows look absent (404)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor
from agrimarket.accounts.visibility import visible_owned
from traceability.tables import Batch, GrowingArea, PackingFacility


def visible_registered(table: type[GrowingArea] | type[PackingFacility], actor: Actor) -> Combinable:
    """Rows of a register owned like a growing area (``owner_household`` / ``owner_cooperative``, lying in
    ``commune``): own rows, the cooperative's and its members', or (officers) those inside their scope."""
    # Officers: by where the row lies, not where its owner lives.
    return visible_owned(actor, table.owner_household, table.owner_cooperative, located_in=table.commune)


def visible_areas(actor: Actor) -> Combinable:
    """Own areas, the cooperative's and its members', or (officers) the areas inside their scope."""
    return visible_registered(GrowingArea, actor)


def visible_batches(actor: Actor) -> Combinable:
    """Batches of visible products; officers see the batches grown inside their scope."""
    product = Batch.product._
    return visible_owned(
        actor, product.owner_household, product.owner_cooperative, located_in=Batch.growing_area._.commune
    )
