"""Cooperatives and their member households (with membership history)."""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.passwords import check_strength, hash_password
from agrimarket.accounts.phone import normalize_phone
from agrimarket.accounts.service import clean_address, clean_name, clean_vpost_code
from agrimarket.areas.service import get_commune
from agrimarket.audit import service as audit
from agrimarket.cooperatives.schemas import CooperativeCreate, CooperativeRead, MemberAdd, MemberRead
from agrimarket.cooperatives.tax_code import normalize_tax_code
from agrimarket.errors import Conflict, Forbidden, Invalid, NotFound
from agrimarket.tables import Cooperative, CoopMembership, Household, User


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy hợp tác xã.", "Cooperative not found.")


async def create_cooperative(actor: Actor, data: CooperativeCreate) -> int:
    if actor.role != Role.COOP_MANAGER:
        raise Forbidden(
            "Chỉ tài khoản quản lý HTX mới tạo được hợp tác xã.",
            "Only coop managers can create a cooperative.",
        )
    if actor.cooperative_id:
        raise Conflict("Bạn đã quản lý một hợp tác xã.", "You already manage a cooperative.")
    name = clean_name(data.name, "name")
    tax_code = normalize_tax_code(data.tax_code)
    address = clean_address(data.address)
    commune = await get_commune(data.commune_code)
    if await Cooperative.exists().where(Cooperative.tax_code == tax_code):
        raise Conflict("Mã số thuế này đã được đăng ký.", "This tax code is already registered.")
    async with Cooperative._meta.db.transaction():
        coop = Cooperative(name=name, tax_code=tax_code, commune=commune["code"], address=address)
        await coop.save()
        await User.update({User.cooperative: coop.id}).where(User.id == actor.user_id)
        await audit.record(actor, "cooperative", coop.id, "create", {"name": name, "tax_code": tax_code})
    return coop.id


def _visible(actor: Actor, coop_id: int) -> bool | None:
    """True/False when the role alone decides; None when the area must be checked."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.COOP_MANAGER:
        return actor.cooperative_id == coop_id
    return None if actor.role == Role.OFFICER else False


async def get_cooperative(actor: Actor, coop_id: int) -> CooperativeRead:
    query = Cooperative.select(
        *Cooperative.all_columns(),
        Cooperative.commune.name.as_alias("commune_name"),
        Cooperative.commune.province.name.as_alias("province_name"),
    ).where(Cooperative.id == coop_id)
    allowed = _visible(actor, coop_id)
    if allowed is False:
        raise _not_found()
    if allowed is None:
        query = query.where(
            (Cooperative.commune == actor.scope_commune)
            if actor.scope_commune
            else (Cooperative.commune.province == actor.scope_province)
        )
    row = await query.first()
    if row is None:
        raise _not_found()
    members = await Household.count().where(Household.cooperative == coop_id)
    return CooperativeRead(
        id=row["id"],
        name=row["name"],
        tax_code=row["tax_code"],
        commune_code=row["commune"],
        commune_name=row["commune_name"],
        province_name=row["province_name"],
        address=row["address"],
        member_count=members,
    )


def _require_manager(actor: Actor, coop_id: int) -> None:
    if actor.role == Role.ADMIN or (actor.role == Role.COOP_MANAGER and actor.cooperative_id == coop_id):
        return
    if actor.role == Role.OFFICER:
        raise Forbidden("Cán bộ chỉ được xem.", "Officers can only read.")
    raise _not_found()


async def list_members(actor: Actor, coop_id: int) -> list[MemberRead]:
    await get_cooperative(actor, coop_id)
    rows = (
        await Household.select(
            Household.id,
            Household.head_name,
            Household.phone,
            Household.commune,
            Household.commune.name.as_alias("commune_name"),
        )
        .where(Household.cooperative == coop_id)
        .order_by(Household.head_name)
    )
    ids = [row["id"] for row in rows]
    joined = {}
    with_login: set[int] = set()
    if ids:
        for m in await CoopMembership.select(CoopMembership.household, CoopMembership.joined_at).where(
            (CoopMembership.cooperative == coop_id)
            & CoopMembership.left_at.is_null()
            & CoopMembership.household.is_in(ids)
        ):
            joined[m["household"]] = m["joined_at"]
        with_login = set(
            await User.select(User.household).where(User.household.is_in(ids)).output(as_list=True)
        )
    return [
        MemberRead(
            household_id=row["id"],
            head_name=row["head_name"],
            phone=row["phone"],
            commune_code=row["commune"],
            commune_name=row["commune_name"],
            joined_at=joined[row["id"]].date().isoformat() if row["id"] in joined else "",
            has_login=row["id"] in with_login,
        )
        for row in rows
    ]


async def add_member(actor: Actor, coop_id: int, data: MemberAdd) -> int:
    """Add an existing household (by phone) or create one; returns the household id."""
    _require_manager(actor, coop_id)
    phone = normalize_phone(data.phone)
    existing = (
        await Household.select(Household.id, Household.cooperative).where(Household.phone == phone).first()
    )
    if existing and existing["cooperative"] == coop_id:
        raise Conflict("Hộ này đã là thành viên.", "This household is already a member.")
    if existing and existing["cooperative"]:
        raise Conflict(
            "Hộ này đang là thành viên của một HTX khác.", "This household belongs to another cooperative."
        )
    if existing is None:
        if not data.head_name:
            raise Invalid(
                "head_name",
                "Chưa có hộ với số điện thoại này. Nhập tên chủ hộ và xã để tạo mới.",
                "No household has this phone yet. Enter the head's name and commune to create it.",
            )
        name = clean_name(data.head_name, "head_name")
        vpost_code = clean_vpost_code(data.vpost_code)
        address = clean_address(data.address)
        commune_code = (
            data.commune_code
            or (await Cooperative.select(Cooperative.commune).where(Cooperative.id == coop_id).first())[
                "commune"
            ]
        )
        commune = await get_commune(commune_code)
        if data.password:
            check_strength(data.password)
            password_hash = await hash_password(data.password)
        if await User.exists().where(User.phone == phone):
            raise Conflict(
                "Số điện thoại này đã có tài khoản khác.", "This phone number already has another account."
            )
    now = datetime.now(UTC)
    async with Household._meta.db.transaction():
        if existing is None:
            household = Household(
                head_name=name,
                phone=phone,
                commune=commune["code"],
                address=address,
                vpost_code=vpost_code,
                cooperative=coop_id,
                created_at=now,
            )
            await household.save()
            household_id = household.id
            if data.password:
                await User(
                    phone=phone,
                    password_hash=password_hash,
                    full_name=name,
                    role=Role.HOUSEHOLD,
                    household=household_id,
                ).save()
        else:
            household_id = existing["id"]
            await Household.update({Household.cooperative: coop_id}).where(Household.id == household_id)
        await CoopMembership(cooperative=coop_id, household=household_id, joined_at=now).save()
        await audit.record(actor, "cooperative", coop_id, "member_added", {"household": household_id})
    return household_id


async def remove_member(actor: Actor, coop_id: int, household_id: int) -> None:
    _require_manager(actor, coop_id)
    if not await Household.exists().where(
        (Household.id == household_id) & (Household.cooperative == coop_id)
    ):
        raise NotFound("Hộ này không phải thành viên.", "This household is not a member.")
    async with Household._meta.db.transaction():
        await Household.update({Household.cooperative: None}).where(Household.id == household_id)
        await CoopMembership.update({CoopMembership.left_at: datetime.now(UTC)}).where(
            (CoopMembership.household == household_id)
            & (CoopMembership.cooperative == coop_id)
            & CoopMembership.left_at.is_null()
        )
        await audit.record(actor, "cooperative", coop_id, "member_removed", {"household": household_id})
