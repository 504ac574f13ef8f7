"""Cooperatives and their member households (with membership history).

A household becomes a member only by accepting an invitation (``invitations``) or, when a manager
signs up a farmer without a smartphone (``sign_up_household``), as a new household with no
password; it leaves when it wants. ``Household.cooperative`` is set by those two paths only, so
every "member of the manager's cooperative" rule elsewhere already means "consented".
"""

from __future__ import annotations

from typing import Literal

from agrimarket import clock
from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.phone import normalize_phone
from agrimarket.accounts.service import clean_address, clean_name, clean_vpost_code
from agrimarket.areas.service import get_commune
from agrimarket.audit import service as audit
from agrimarket.cooperatives.schemas import (
    CooperativeCreate,
    CooperativeRead,
    MemberAdd,
    MemberRead,
    NoticeRead,
)
from agrimarket.cooperatives.tax_code import normalize_tax_code
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden, Invalid, NotFound
from agrimarket.events import MembershipEnded, publish
from agrimarket.indicators import summary
from agrimarket.privacy import access_log
from agrimarket.tables import Cooperative, CoopMembership, Household, Product, ProductSupplier, User

NOTICE_DAYS = 30  # how long a household's pages show that its membership ended


def not_found() -> NotFound:
    return NotFound("Không tìm thấy hợp tác xã.", "Cooperative not found.")


async def create_cooperative(actor: Actor, data: CooperativeCreate) -> int:
    """A self-registered manager's cooperative starts unverified (``verification``)."""
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
    async with write_transaction():
        coop = Cooperative(
            name=name, tax_code=tax_code, commune=commune["code"], address=address, created_at=clock.now()
        )
        await coop.save()
        await User.update({User.cooperative: coop.id}).where(User.id == actor.user_id)
        await audit.record(actor, "cooperative", coop.id, "create", {"name": name, "tax_code": tax_code})
    return coop.id


async def member_of(household_id: int | None) -> int | None:
    """The cooperative a household currently belongs to."""
    if not household_id:
        return None
    row = await Household.select(Household.cooperative).where(Household.id == household_id).first()
    return row["cooperative"] if row else None


def scoped(query, actor: Actor):
    """Limit a Cooperative query to what a non-household actor may read (404 for the rest)."""
    if actor.role == Role.ADMIN:
        return query
    if actor.role == Role.COOP_MANAGER:
        return query.where(Cooperative.id == (actor.cooperative_id or 0))
    if actor.role == Role.OFFICER and actor.scope_commune:
        return query.where(Cooperative.commune == actor.scope_commune)
    if actor.role == Role.OFFICER and actor.scope_province:
        return query.where(Cooperative.commune.province == actor.scope_province)
    return query.where(Cooperative.id == 0)


def _read_query():
    return Cooperative.select(
        *Cooperative.all_columns(),
        Cooperative.commune.name.as_alias("commune_name"),
        Cooperative.commune.province.as_alias("province_code"),
        Cooperative.commune._.province.name.as_alias("province_name"),
    )


async def get_cooperative(actor: Actor, coop_id: int) -> CooperativeRead:
    """Its manager, officers of its area, admins, and its own member households see it."""
    query = _read_query().where(Cooperative.id == coop_id)
    if actor.role == Role.HOUSEHOLD:
        if await member_of(actor.household_id) != coop_id:
            raise not_found()
    else:
        query = scoped(query, actor)
    row = await query.first()
    if row is None:
        raise not_found()
    return await _read(row)


async def _read(row: dict) -> CooperativeRead:
    members = await Household.count().where(Household.cooperative == row["id"])
    return CooperativeRead(
        id=row["id"],
        name=row["name"],
        tax_code=row["tax_code"],
        commune_code=row["commune"],
        commune_name=row["commune_name"],
        province_name=row["province_name"],
        address=row["address"],
        member_count=members,
        status=row["status"],
        status_reason=row["status_reason"],
    )


async def list_cooperatives(actor: Actor, status: str | None = None) -> list[CooperativeRead]:
    """The register for officers (their area) and admins, e.g. the unverified ones to check."""
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise Forbidden(
            "Danh sách hợp tác xã dành cho cán bộ và quản trị viên.",
            "The cooperative register is for officers and admins.",
        )
    query = scoped(_read_query(), actor).order_by(Cooperative.name)
    if status:
        query = query.where(Cooperative.status == status)
    return [await _read(row) for row in await query]


def require_manager(actor: Actor, coop_id: int) -> None:
    if actor.role == Role.ADMIN or (actor.role == Role.COOP_MANAGER and actor.cooperative_id == coop_id):
        return
    if actor.role == Role.OFFICER:
        raise Forbidden("Cán bộ chỉ được xem.", "Officers can only read.")
    raise not_found()


async def require_verified(coop_id: int) -> dict:
    """A cooperative acts for households (invites, signs up) only once an officer verified it."""
    row = await Cooperative.select().where(Cooperative.id == coop_id).first()
    if row is None:
        raise not_found()
    if row["status"] != "verified":
        word = {
            "unverified": ("chưa được xác minh", "is not verified yet"),
            "suspended": ("đang bị đình chỉ", "is suspended"),
            "revoked": ("đã bị thu hồi", "was revoked"),
        }[row["status"]]
        raise Conflict(
            f"Hợp tác xã {word[0]}: cán bộ nông nghiệp của tỉnh cần xác minh theo mã số thuế trước "
            "khi HTX mời hay đăng ký giúp hộ.",
            f"The cooperative {word[1]}: an agriculture officer of its province must verify it against "
            "its tax code before it can invite or sign up households.",
        )
    return row


async def list_members(actor: Actor, coop_id: int) -> list[MemberRead]:
    """For its manager, officers and admins; a member household does not see the others."""
    if actor.role == Role.HOUSEHOLD:
        raise not_found()
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
    await access_log.record(actor, f"danh sách thành viên HTX {coop_id}", ids)
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
            await User.select(User.household)
            .where(User.household.is_in(ids) & (User.password_hash != ""))
            .output(as_list=True)
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


async def sign_up_household(actor: Actor, coop_id: int, data: MemberAdd) -> int:
    """Assisted sign-up: a new household (and its account, with NO password) for a phone that has
    none, a member from the start; its farmer claims the account later (``accounts.claims``)."""
    require_manager(actor, coop_id)
    coop = await require_verified(coop_id)
    phone = normalize_phone(data.phone)
    if await Household.exists().where(Household.phone == phone) or await User.exists().where(
        User.phone == phone
    ):
        raise Conflict(
            "Số điện thoại này đã có trên hệ thống: hãy gửi lời mời để hộ tự đồng ý tham gia.",
            "This phone is already registered: invite the household so it can agree to join.",
        )
    if not data.head_name:
        raise Invalid(
            "head_name",
            "Nhập tên chủ hộ để đăng ký giúp hộ.",
            "Enter the head's name to sign the household up.",
        )
    name = clean_name(data.head_name, "head_name")
    vpost_code = clean_vpost_code(data.vpost_code)
    address = clean_address(data.address)
    commune = await get_commune(data.commune_code or coop["commune"])
    now = clock.now()
    async with write_transaction():
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
        user = User(
            phone=phone,
            password_hash="",  # the manager never knows a password for it
            full_name=name,
            role=Role.HOUSEHOLD,
            household=household.id,
            assisted_by=actor.user_id,
            created_at=now,
        )
        await user.save()
        await CoopMembership(cooperative=coop_id, household=household.id, joined_at=now).save()
        await audit.record(actor, "account", user.id, "assisted_sign_up", {"phone": phone})
        await audit.record(actor, "cooperative", coop_id, "member_signed_up", {"household": household.id})
    return household.id


async def remove_member(actor: Actor, coop_id: int, household_id: int) -> int:
    """The manager removes a member, or the member household leaves (its own id); returns how many
    listings the cooperative's shop accounts take down. Its products and batches stay its own; it
    stops being a named supplier of the cooperative's products."""
    leaving = actor.role == Role.HOUSEHOLD and actor.household_id == household_id
    if not leaving:
        require_manager(actor, coop_id)
    if await member_of(household_id) != coop_id:
        if leaving:
            raise not_found()
        raise NotFound("Hộ này không phải thành viên.", "This household is not a member.")
    now = clock.now()
    ended_by: Literal["household", "cooperative"] = "household" if leaving else "cooperative"
    async with write_transaction():
        # Subscribers answer how many listings they take down (integrations: the cooperative's shops).
        ended = MembershipEnded(household_id=household_id, cooperative_id=coop_id, ended_by=ended_by)
        delisted = sum(await publish(ended))
        await Household.update({Household.cooperative: None}).where(Household.id == household_id)
        # No longer named as a supplier of the cooperative's products (past dates keep the link).
        products = (
            await Product.select(Product.id).where(Product.owner_cooperative == coop_id).output(as_list=True)
        )
        if products:
            await ProductSupplier.update({ProductSupplier.removed_at: now}).where(
                (ProductSupplier.household == household_id)
                & ProductSupplier.product.is_in(products)
                & ProductSupplier.removed_at.is_null()
            )
            await summary.refresh([household_id])
        await CoopMembership.update(
            {
                CoopMembership.left_at: now,
                CoopMembership.ended_by: ended_by,
                CoopMembership.delisted: delisted,
            }
        ).where(
            (CoopMembership.household == household_id)
            & (CoopMembership.cooperative == coop_id)
            & CoopMembership.left_at.is_null()
        )
        await audit.record(
            actor,
            "cooperative",
            coop_id,
            "member_left" if leaving else "member_removed",
            {"household": household_id, "listings_taken_down": delisted},
        )
    return delisted


async def leave(actor: Actor) -> int:
    """The household leaves its cooperative (see ``remove_member``)."""
    if actor.role != Role.HOUSEHOLD:
        raise Forbidden("Chỉ hộ thành viên tự rời hợp tác xã.", "Only a member household can leave.")
    coop_id = await member_of(actor.household_id)
    if not coop_id:
        raise NotFound("Hộ không thuộc hợp tác xã nào.", "The household belongs to no cooperative.")
    return await remove_member(actor, coop_id, actor.household_id or 0)


async def notices(household_id: int) -> list[NoticeRead]:
    """The household's notice of memberships that ended lately (no inbox yet: issue 21)."""
    since = clock.now().timestamp() - NOTICE_DAYS * 86400
    rows = (
        await CoopMembership.select(
            CoopMembership.left_at,
            CoopMembership.ended_by,
            CoopMembership.delisted,
            CoopMembership.cooperative.name.as_alias("name"),
        )
        .where((CoopMembership.household == household_id) & CoopMembership.left_at.is_not_null())
        .order_by(CoopMembership.left_at, ascending=False)
    )
    return [
        NoticeRead(
            cooperative_name=row["name"],
            ended_at=clock.to_local(row["left_at"]).date().isoformat(),
            ended_by=row["ended_by"],
            listings_taken_down=row["delisted"],
        )
        for row in rows
        if clock.to_local(row["left_at"]).timestamp() >= since
    ]
