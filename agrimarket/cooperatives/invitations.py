"""Invitations: a verified cooperative invites a household by phone; the household accepts or
declines. Nothing of the household is reachable by the cooperative before it accepts.

A household outside the cooperative's province is invited "awaiting_approval": an officer of the
cooperative's province (or an admin) approves before the household can accept. Invitations
expire after ``Settings.coop_invitation_days``, judged with ``clock.now()``; every step is audited.
"""

from __future__ import annotations

from datetime import timedelta

from agrimarket import clock
from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.phone import normalize_phone
from agrimarket.audit import service as audit
from agrimarket.cooperatives import service as coops
from agrimarket.cooperatives.schemas import InvitationRead, MyCooperative
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden, Invalid, NotFound
from agrimarket.messages import kinds
from agrimarket.messages.service import Draft, to_household
from agrimarket.tables import Cooperative, CoopInvitation, CoopMembership, Household

OPEN = ("pending", "awaiting_approval")


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy lời mời.", "Invitation not found.")


def _query():
    return CoopInvitation.select(
        *CoopInvitation.all_columns(),
        CoopInvitation.household.phone.as_alias("phone"),
        CoopInvitation.cooperative.name.as_alias("coop_name"),
        CoopInvitation.cooperative.tax_code.as_alias("tax_code"),
        CoopInvitation.cooperative._.commune.name.as_alias("commune_name"),
        CoopInvitation.cooperative._.commune._.province.name.as_alias("province_name"),
    )


def _read(row: dict) -> InvitationRead:
    return InvitationRead(
        id=row["id"],
        status=row["status"],
        phone=row["phone"],
        cooperative_id=row["cooperative"],
        cooperative_name=row["coop_name"],
        tax_code=row["tax_code"],
        commune_name=row["commune_name"],
        province_name=row["province_name"],
        created_at=clock.to_local(row["created_at"]).isoformat(timespec="minutes"),
        expires_at=clock.to_local(row["expires_at"]).isoformat(timespec="minutes"),
        needs_approval=row["status"] == "awaiting_approval" or row["approved_by"] is not None,
    )


async def expire_stale() -> None:
    """Open invitations past their expiry become "expired" (audited as the system's doing)."""
    stale = await CoopInvitation.select(CoopInvitation.id).where(
        CoopInvitation.status.is_in(list(OPEN)) & (CoopInvitation.expires_at < clock.now())
    )
    for row in stale:
        async with write_transaction():
            changed = (
                await CoopInvitation.update(
                    {CoopInvitation.status: "expired", CoopInvitation.decided_at: clock.now()}
                )
                .where((CoopInvitation.id == row["id"]) & CoopInvitation.status.is_in(list(OPEN)))
                .returning(CoopInvitation.id)
            )
            if changed:
                await audit.record(None, "coop_invitation", row["id"], "expire")


async def invite(actor: Actor, coop_id: int, raw_phone: str, days: int) -> int:
    coops.require_manager(actor, coop_id)
    coop = await coops.require_verified(coop_id)
    phone = normalize_phone(raw_phone)
    household = (
        await Household.select(
            Household.id, Household.cooperative, Household.commune.province.as_alias("province")
        )
        .where(Household.phone == phone)
        .first()
    )
    if household is None:
        raise Invalid(
            "phone",
            "Chưa có hộ nào với số điện thoại này. Nếu hộ chưa dùng điện thoại thông minh, hãy “Đăng ký giúp hộ”.",
            "No household has this phone yet. For a farmer without a smartphone, use assisted sign-up.",
        )
    if household["cooperative"] == coop_id:
        raise Conflict("Hộ này đã là thành viên.", "This household is already a member.")
    await expire_stale()
    if await CoopInvitation.exists().where(
        (CoopInvitation.cooperative == coop_id)
        & (CoopInvitation.household == household["id"])
        & CoopInvitation.status.is_in(list(OPEN))
    ):
        raise Conflict("Đã mời hộ này, đang chờ hộ trả lời.", "This household is already invited.")
    coop_row = (
        await Cooperative.select(Cooperative.commune._.province.as_alias("province"))
        .where(Cooperative.id == coop["id"])
        .first()
    )
    assert coop_row is not None
    province = coop_row["province"]
    status = "pending" if household["province"] == province else "awaiting_approval"
    now = clock.now()
    async with write_transaction():
        invitation = CoopInvitation(
            cooperative=coop_id,
            household=household["id"],
            invited_by=actor.user_id,
            status=status,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        await invitation.save()
        await audit.record(actor, "coop_invitation", invitation.id, "invite", {"status": status})
        if status == "pending":  # one awaiting an officer's approval is not the household's news yet
            draft = Draft(
                kinds.COOP_INVITATION,
                f"{coop['name']} mời hộ vào hợp tác xã. Mở ứng dụng để đồng ý hoặc từ chối.",
                f"coop-invitation:{invitation.id}",
                "/cooperative",
                {"cooperative": coop["name"][:100]},
            )
            await to_household(household["id"], draft)
    return invitation.id


async def for_cooperative(actor: Actor, coop_id: int) -> list[InvitationRead]:
    """The cooperative's invitations (its manager, officers of its area, admins): the phone it
    typed and the answer, nothing else of the household."""
    if actor.role == Role.HOUSEHOLD:
        raise coops.not_found()
    await coops.get_cooperative(actor, coop_id)
    await expire_stale()
    rows = await _query().where(CoopInvitation.cooperative == coop_id).order_by(CoopInvitation.id)
    return [_read(row) for row in rows]


async def for_household(actor: Actor) -> list[InvitationRead]:
    """The invitations a household can answer now (an out-of-province one once approved)."""
    if actor.role != Role.HOUSEHOLD:
        raise Forbidden(
            "Lời mời vào HTX dành cho hộ sản xuất.", "Cooperative invitations are for households."
        )
    await expire_stale()
    rows = await _query().where(
        (CoopInvitation.household == (actor.household_id or 0)) & (CoopInvitation.status == "pending")
    )
    return [_read(row) for row in rows]


async def _own(actor: Actor, invitation_id: int) -> dict:
    if actor.role != Role.HOUSEHOLD:
        raise Forbidden("Chỉ hộ được mời mới trả lời lời mời.", "Only the invited household may answer.")
    await expire_stale()
    row = (
        await CoopInvitation.select()
        .where((CoopInvitation.id == invitation_id) & (CoopInvitation.household == (actor.household_id or 0)))
        .first()
    )
    if row is None:
        raise _not_found()
    if row["status"] == "awaiting_approval":
        raise Conflict(
            "Lời mời đang chờ cán bộ của tỉnh duyệt (hộ ở ngoài tỉnh của HTX).",
            "The invitation awaits an officer's approval (the household lives outside the cooperative's province).",
        )
    if row["status"] != "pending":
        raise Conflict("Lời mời này không còn hiệu lực.", "This invitation is no longer open.")
    return row


async def _close(actor: Actor | None, row: dict, status: str, action: str) -> None:
    """Move an open invitation to ``status``; a racing answer is a 409."""
    changed = (
        await CoopInvitation.update({CoopInvitation.status: status, CoopInvitation.decided_at: clock.now()})
        .where((CoopInvitation.id == row["id"]) & CoopInvitation.status.is_in(list(OPEN)))
        .returning(CoopInvitation.id)
    )
    if not changed:
        raise Conflict("Lời mời này không còn hiệu lực.", "This invitation is no longer open.")
    await audit.record(actor, "coop_invitation", row["id"], action)


async def accept(actor: Actor, invitation_id: int) -> int:
    """The household joins (one cooperative at a time); returns the cooperative id."""
    row = await _own(actor, invitation_id)
    current = await coops.member_of(actor.household_id)
    if current == row["cooperative"]:
        raise Conflict("Hộ đã là thành viên của HTX này.", "The household is already a member.")
    if current:
        raise Conflict(
            "Hộ đang là thành viên của một HTX khác: hãy rời HTX đó trước.",
            "The household belongs to another cooperative: leave it first.",
        )
    await coops.require_verified(row["cooperative"])
    now = clock.now()
    async with write_transaction():
        await _close(actor, row, "accepted", "accept")
        # Only where no other membership was set meanwhile (two accepts racing).
        joined = (
            await Household.update({Household.cooperative: row["cooperative"]})
            .where((Household.id == actor.household_id) & Household.cooperative.is_null())
            .returning(Household.id)
        )
        if not joined:
            raise Conflict("Hộ vừa tham gia một HTX khác.", "The household just joined another cooperative.")
        await CoopMembership(
            cooperative=row["cooperative"], household=actor.household_id, joined_at=now
        ).save()
        await audit.record(
            actor, "cooperative", row["cooperative"], "member_joined", {"household": actor.household_id}
        )
    return row["cooperative"]


async def decline(actor: Actor, invitation_id: int) -> None:
    row = await _own(actor, invitation_id)
    async with write_transaction():
        await _close(actor, row, "declined", "decline")


async def _of_cooperative(coop_id: int, invitation_id: int) -> dict:
    await expire_stale()
    row = (
        await CoopInvitation.select()
        .where((CoopInvitation.id == invitation_id) & (CoopInvitation.cooperative == coop_id))
        .first()
    )
    if row is None:
        raise _not_found()
    return row


async def cancel(actor: Actor, coop_id: int, invitation_id: int) -> None:
    coops.require_manager(actor, coop_id)
    row = await _of_cooperative(coop_id, invitation_id)
    async with write_transaction():
        await _close(actor, row, "cancelled", "cancel")


async def approve(actor: Actor, coop_id: int, invitation_id: int, days: int) -> None:
    """An officer of the cooperative's area (or an admin) lets an out-of-province household be
    invited; its expiry starts again from now."""
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise Forbidden(
            "Chỉ cán bộ nông nghiệp của tỉnh nơi HTX đăng ký hoặc quản trị viên được duyệt.",
            "Only an officer of the cooperative's province or an admin may approve.",
        )
    await coops.get_cooperative(actor, coop_id)  # 404 outside the officer's area
    row = await _of_cooperative(coop_id, invitation_id)
    if row["status"] != "awaiting_approval":
        raise Conflict("Lời mời này không cần duyệt.", "This invitation needs no approval.")
    now = clock.now()
    async with write_transaction():
        changed = (
            await CoopInvitation.update(
                {
                    CoopInvitation.status: "pending",
                    CoopInvitation.approved_by: actor.user_id,
                    CoopInvitation.expires_at: now + timedelta(days=days),
                }
            )
            .where((CoopInvitation.id == invitation_id) & (CoopInvitation.status == "awaiting_approval"))
            .returning(CoopInvitation.id)
        )
        if not changed:
            raise Conflict("Vừa được người khác cập nhật; hãy thử lại.", "Changed meanwhile; try again.")
        await audit.record(actor, "coop_invitation", invitation_id, "approve")


async def overview(actor: Actor) -> MyCooperative:
    """A household's cooperative (or none), the invitations it can answer, its recent notices."""
    if actor.role != Role.HOUSEHOLD:
        raise Forbidden("Trang này dành cho hộ sản xuất.", "This is for households.")
    coop_id = await coops.member_of(actor.household_id)
    return MyCooperative(
        cooperative=await coops.get_cooperative(actor, coop_id) if coop_id else None,
        invitations=await for_household(actor),
        notices=await coops.notices(actor.household_id or 0),
    )


async def awaiting_approval(actor: Actor) -> list[InvitationRead]:
    """Out-of-province invitations of the cooperatives in an officer's area (all for an admin)."""
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise Forbidden("Dành cho cán bộ và quản trị viên.", "For officers and admins.")
    await expire_stale()
    query = _query().where(CoopInvitation.status == "awaiting_approval").order_by(CoopInvitation.id)
    coop = CoopInvitation.cooperative
    if actor.role == Role.OFFICER and actor.scope_commune:
        query = query.where(coop.commune == actor.scope_commune)
    elif actor.role == Role.OFFICER:
        query = query.where(coop._.commune.province == (actor.scope_province or ""))
    return [_read(row) for row in await query]
