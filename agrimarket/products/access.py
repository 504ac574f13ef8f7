"""Which products an actor may see and change. Out-of-scope rows look absent (404)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.visibility import visible_owned
from agrimarket.errors import Forbidden, Invalid
from agrimarket.tables import Household, Product


def visible_products(actor: Actor) -> Combinable:
    """Products by their owner (agrimarket.accounts.visibility): officers see their area's sellers'."""
    return visible_owned(actor, Product.owner_household, Product.owner_cooperative)


def seller_owner(actor: Actor) -> dict[str, int] | None:
    """Owner columns of what a seller holds in its own name (bank and marketplace accounts): the
    household's, or the coop manager's cooperative's; None for anyone else."""
    if actor.role == Role.HOUSEHOLD and actor.household_id:
        return {"owner_household": actor.household_id}
    if actor.role == Role.COOP_MANAGER and actor.cooperative_id:
        return {"owner_cooperative": actor.cooperative_id}
    return None


def require_writer(actor: Actor) -> None:
    if not actor.can_write:
        raise Forbidden(
            "Cán bộ chỉ được xem, không được sửa dữ liệu của hộ.",
            "Officers can read but not change households' data.",
        )


async def new_record_owner(
    actor: Actor, owner_household_id: int | None, not_own: Forbidden, choose_owner: Invalid
) -> dict[str, int]:
    """Owner columns of a record a writer creates (a product, a growing area).

    A household owns what it creates; a cooperative manager creates for a member household or,
    when none is named, for the cooperative. ``not_own`` and ``choose_owner`` word the refusals.
    """
    require_writer(actor)
    if actor.role == Role.HOUSEHOLD:
        if owner_household_id not in (None, actor.household_id) or not actor.household_id:
            raise not_own
        return {"owner_household": actor.household_id}
    if actor.role == Role.COOP_MANAGER and not actor.cooperative_id:
        raise Invalid("cooperative", "Hãy tạo hợp tác xã trước.", "Create your cooperative first.")
    if owner_household_id is not None:
        member = Household.exists().where(Household.id == owner_household_id)
        if actor.role == Role.COOP_MANAGER:
            member = member.where(Household.cooperative == actor.cooperative_id)
        if not await member:
            raise Invalid(
                "owner_household_id",
                "Hộ này không phải thành viên của hợp tác xã.",
                "This household is not a member of the cooperative.",
            )
        return {"owner_household": owner_household_id}
    if actor.role == Role.COOP_MANAGER and actor.cooperative_id:  # checked above; narrows the type
        return {"owner_cooperative": actor.cooperative_id}
    raise choose_owner
