"""Who records e-commerce training and sees it: officers in their area, a coop manager for the
cooperative, admins everywhere. Households do not (their attendance counts in the indicators)."""

from __future__ import annotations

from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.visibility import EVERYTHING, NOTHING
from agrimarket.errors import Forbidden, Invalid, NotFound
from agrimarket.tables import Commune, Household, TrainingSession


def require_trainer(actor: Actor) -> None:
    if actor.role not in (Role.OFFICER, Role.COOP_MANAGER, Role.ADMIN):
        raise Forbidden(
            "Chỉ cán bộ, quản lý HTX và quản trị viên ghi được lớp tập huấn.",
            "Only officers, cooperative managers and admins record training sessions.",
        )
    if actor.role == Role.COOP_MANAGER and not actor.cooperative_id:
        raise Invalid("cooperative", "Hãy tạo hợp tác xã trước.", "Create your cooperative first.")


def visible_sessions(actor: Actor) -> Combinable:
    if actor.role == Role.ADMIN:
        return EVERYTHING
    if actor.role == Role.COOP_MANAGER:
        return TrainingSession.cooperative == actor.cooperative_id if actor.cooperative_id else NOTHING
    if actor.role == Role.OFFICER and actor.scope_commune:
        return TrainingSession.commune == actor.scope_commune
    if actor.role == Role.OFFICER and actor.scope_province:
        return TrainingSession.commune.province == actor.scope_province
    return NOTHING


def eligible_households(actor: Actor) -> Combinable:
    """Households the actor may mark as attending: the area's, or the cooperative's members."""
    if actor.role == Role.COOP_MANAGER:
        return Household.cooperative == actor.cooperative_id
    if actor.role == Role.OFFICER and actor.scope_commune:
        return Household.commune == actor.scope_commune
    if actor.role == Role.OFFICER and actor.scope_province:
        return Household.commune.province == actor.scope_province
    return EVERYTHING if actor.role == Role.ADMIN else NOTHING


async def commune_for(actor: Actor, code: str) -> str:
    """The session's commune, checked: it exists, and an officer's is inside their area (else 404)."""
    row = await Commune.select(Commune.code, Commune.province).where(Commune.code == code.strip()).first()
    if row is None:
        raise Invalid("commune_code", "Không có xã/phường với mã này.", "No commune with this code.")
    if actor.role == Role.OFFICER and (
        (actor.scope_commune and row["code"] != actor.scope_commune)
        or (actor.scope_province and not actor.scope_commune and row["province"] != actor.scope_province)
    ):
        raise NotFound("Xã/phường này ngoài địa bàn của bạn.", "This commune is outside your area.")
    return row["code"]
