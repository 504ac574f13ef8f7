"""Who may declare listings and name suppliers: out-of-scope households look absent (404)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.visibility import EVERYTHING, NOTHING
from agrimarket.errors import Forbidden, NotFound
from agrimarket.tables import Cooperative, Household


def visible_households(actor: Actor) -> Combinable:
    if actor.role == Role.ADMIN:
        return EVERYTHING
    if actor.role == Role.HOUSEHOLD:
        return Household.id == actor.household_id if actor.household_id else NOTHING
    if actor.role == Role.COOP_MANAGER:
        return Household.cooperative == actor.cooperative_id if actor.cooperative_id else NOTHING
    if actor.scope_commune:
        return Household.commune == actor.scope_commune
    if actor.scope_province:
        return Household.commune.province == actor.scope_province
    return NOTHING


def visible_cooperatives(actor: Actor) -> Combinable:
    if actor.role == Role.ADMIN:
        return EVERYTHING
    if actor.role == Role.COOP_MANAGER:
        return Cooperative.id == actor.cooperative_id if actor.cooperative_id else NOTHING
    if actor.role == Role.OFFICER and actor.scope_commune:
        return Cooperative.commune == actor.scope_commune
    if actor.role == Role.OFFICER and actor.scope_province:
        return Cooperative.commune.province == actor.scope_province
    return NOTHING


def require_declarer(actor: Actor) -> None:
    """Officers of the area, coop managers (for members) and admins record declared listings."""
    if actor.role not in (Role.OFFICER, Role.COOP_MANAGER, Role.ADMIN):
        raise Forbidden(
            "Chỉ cán bộ hoặc quản lý HTX được khai báo gian hàng.",
            "Only officers or cooperative managers can declare listings.",
        )


async def ensure_household(actor: Actor, household_id: int) -> None:
    if not await Household.exists().where(visible_households(actor) & (Household.id == household_id)):
        raise NotFound("Không tìm thấy hộ.", "Household not found.")


async def ensure_cooperative(actor: Actor, cooperative_id: int) -> None:
    if not await Cooperative.exists().where(visible_cooperatives(actor) & (Cooperative.id == cooperative_id)):
        raise NotFound("Không tìm thấy hợp tác xã.", "Cooperative not found.")
