"""Claiming an account made for a farmer (assisted sign-up by a cooperative, or a household an
officer imported): registering with that phone opens a claim instead of a 409, and the chosen
password works once an officer of the household's commune or province confirms it (by calling
or meeting the farmer). The one-time sign-in code of issue 21 will replace the officer's step.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import msgspec

from agrimarket import clock
from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.passwords import check_strength, hash_password
from agrimarket.accounts.phone import normalize_phone
from agrimarket.accounts.service import Registration, clean_name, register
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden, Invalid, NotFound
from agrimarket.privacy import access_log
from agrimarket.tables import AccountClaim, Household, User
from agrimarket.web.input import Input

MAX_WRONG_CODES = 5  # then the claim is rejected: the farmer registers again for a new code


class ClaimRead(msgspec.Struct):
    id: int
    status: str  # pending | confirmed | rejected
    phone: str
    claimant_name: str  # as the registering farmer typed it
    head_name: str  # as the household record has it
    commune_name: str
    created_at: str
    # The cooperative manager who created the account, when it was an assisted sign-up.
    assisted_by: str


class ClaimConfirm(Input):
    code: str  # read out by the phone's owner when the officer calls


class ClaimPending(msgspec.Struct):
    """The answer to a registration that became a claim: no session until an officer confirms.
    ``code`` is shown to the claimant only; the officer asks the phone's owner for it."""

    claim_id: int
    code: str
    message: str
    status: str = "pending"


def claim_message(code: str, lang: str) -> str:
    if lang == "en":
        return (
            "A cooperative signed this phone up. Your claim was sent: an agriculture officer of the "
            f"commune will call this phone; tell them the code {code}. Then log in with the password "
            "you chose."
        )
    return (
        "Số điện thoại này đã được hợp tác xã đăng ký giúp. Yêu cầu nhận tài khoản đã được gửi: cán "
        f"bộ nông nghiệp của xã sẽ gọi vào số này, hãy đọc mã {code}. Sau đó bạn đăng nhập bằng mật "
        "khẩu vừa chọn."
    )


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def register_or_claim(form: Registration) -> tuple[int | None, tuple[int, str] | None]:
    """(user id, None) for a new account, or (None, (claim id, code)) when the phone's household
    exists without a password of its own."""
    household_id = await claimable_household(form)
    if household_id is None:
        return await register(form), None
    return None, await open_claim(form, household_id)


async def claimable_household(form: Registration) -> int | None:
    """The household a household registration with this phone would claim, if any: one whose
    account has no password yet, or that has no account at all."""
    if form.role != Role.HOUSEHOLD:
        return None
    phone = normalize_phone(form.phone)
    user = await User.select(User.password_hash, User.household).where(User.phone == phone).first()
    if user is not None:
        return user["household"] if user["password_hash"] == "" and user["household"] else None
    household = await Household.select(Household.id).where(Household.phone == phone).first()
    return household["id"] if household else None


async def open_claim(form: Registration, household_id: int) -> tuple[int, str]:
    name = clean_name(form.full_name)
    check_strength(form.password)
    password_hash = await hash_password(form.password)
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with write_transaction():
        claim = AccountClaim(
            household=household_id,
            full_name=name,
            password_hash=password_hash,
            code_hash=_code_hash(code),
            created_at=clock.now(),
        )
        await claim.save()
        # The claimant is not signed in: the entry is the system's, on the household.
        await audit.record(None, "household", household_id, "account_claimed", {"claim": claim.id})
    return claim.id, code


def _judge(actor: Actor) -> None:
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise Forbidden(
            "Chỉ cán bộ nông nghiệp của xã/tỉnh hoặc quản trị viên xác nhận được yêu cầu nhận tài khoản.",
            "Only an agriculture officer of the area or an admin may confirm account claims.",
        )


def _in_scope(query, actor: Actor):
    if actor.role == Role.OFFICER and actor.scope_commune:
        return query.where(AccountClaim.household.commune == actor.scope_commune)
    if actor.role == Role.OFFICER:
        return query.where(AccountClaim.household._.commune.province == (actor.scope_province or ""))
    return query


def _query():
    return AccountClaim.select(
        *AccountClaim.all_columns(exclude=[AccountClaim.password_hash, AccountClaim.code_hash]),
        AccountClaim.household.phone.as_alias("phone"),
        AccountClaim.household.head_name.as_alias("head_name"),
        AccountClaim.household._.commune.name.as_alias("commune_name"),
    )


async def list_claims(actor: Actor, status: str = "pending") -> list[ClaimRead]:
    _judge(actor)
    rows = await _in_scope(_query(), actor).where(AccountClaim.status == status).order_by(AccountClaim.id)
    await access_log.record(actor, "yêu cầu nhận lại tài khoản", [row["household"] for row in rows])
    phones = [row["phone"] for row in rows]
    assisted = {}
    if phones:
        for user in await User.select(User.phone, User.assisted_by).where(
            User.phone.is_in(phones) & User.assisted_by.is_not_null()
        ):
            manager = await User.select(User.full_name).where(User.id == user["assisted_by"]).first()
            assisted[user["phone"]] = manager["full_name"] if manager else ""
    return [
        ClaimRead(
            id=row["id"],
            status=row["status"],
            phone=row["phone"],
            claimant_name=row["full_name"],
            head_name=row["head_name"],
            commune_name=row["commune_name"],
            created_at=clock.to_local(row["created_at"]).isoformat(timespec="minutes"),
            assisted_by=assisted.get(row["phone"], ""),
        )
        for row in rows
    ]


async def _pending(actor: Actor, claim_id: int) -> dict:
    _judge(actor)
    row = await _in_scope(AccountClaim.select(), actor).where(AccountClaim.id == claim_id).first()
    if row is None:
        raise NotFound("Không tìm thấy yêu cầu.", "Claim not found.")
    if row["status"] != "pending":
        raise Conflict("Yêu cầu này đã được xử lý.", "This claim was already decided.")
    return row


async def _check_code(actor: Actor, claim: dict, code: str) -> None:
    """The code the phone's owner read out must be the claim's; wrong codes are counted."""
    if hmac.compare_digest(_code_hash(code or ""), claim["code_hash"]):
        return
    wrong = claim["wrong_codes"] + 1
    changes: dict = {AccountClaim.wrong_codes: wrong}
    if wrong >= MAX_WRONG_CODES:
        changes |= {AccountClaim.status: "rejected", AccountClaim.decided_at: clock.now()}
    async with write_transaction():
        await AccountClaim.update(changes).where(AccountClaim.id == claim["id"])
        if wrong >= MAX_WRONG_CODES:
            await audit.record(
                actor, "household", claim["household"], "claim_rejected", {"claim": claim["id"]}
            )
    raise Invalid(
        "code",
        "Mã xác nhận không đúng: hãy hỏi lại chủ hộ mã hiện trên màn hình khi đăng ký."
        + (" Yêu cầu đã bị huỷ sau 5 lần sai." if wrong >= MAX_WRONG_CODES else ""),
        "Wrong code: ask the head of household for the code shown when registering."
        + (" The claim is rejected after 5 wrong codes." if wrong >= MAX_WRONG_CODES else ""),
    )


async def confirm(actor: Actor, claim_id: int, code: str) -> None:
    """With the code the phone's owner reads out, the farmer's chosen password now opens the
    household's account (created if it had none); the household's other open claims are rejected."""
    claim = await _pending(actor, claim_id)
    await _check_code(actor, claim, code)
    household = await Household.select().where(Household.id == claim["household"]).first()
    assert household is not None
    now = clock.now()
    async with write_transaction():
        user = await User.select(User.id).where(User.phone == household["phone"]).first()
        if user is None:
            account = User(
                phone=household["phone"],
                password_hash=claim["password_hash"],
                full_name=claim["full_name"],
                role=Role.HOUSEHOLD,
                household=household["id"],
                created_at=now,
            )
            await account.save()
            user_id = account.id
        else:
            user_id = user["id"]
            # Only an account still without a password: a claim never replaces a farmer's own.
            claimed = (
                await User.update({User.password_hash: claim["password_hash"], User.is_active: True})
                .where((User.id == user_id) & (User.password_hash == ""))
                .returning(User.id)
            )
            if not claimed:
                raise Conflict("Tài khoản này đã có mật khẩu.", "This account already has a password.")
        await AccountClaim.update(
            {
                AccountClaim.status: "confirmed",
                AccountClaim.decided_by: actor.user_id,
                AccountClaim.decided_at: now,
            }
        ).where(AccountClaim.id == claim_id)
        await AccountClaim.update(
            {
                AccountClaim.status: "rejected",
                AccountClaim.decided_by: actor.user_id,
                AccountClaim.decided_at: now,
            }
        ).where((AccountClaim.household == household["id"]) & (AccountClaim.status == "pending"))
        await audit.record(actor, "account", user_id, "claim_confirmed", {"claim": claim_id})


async def reject(actor: Actor, claim_id: int) -> None:
    await _pending(actor, claim_id)
    async with write_transaction():
        await AccountClaim.update(
            {
                AccountClaim.status: "rejected",
                AccountClaim.decided_by: actor.user_id,
                AccountClaim.decided_at: clock.now(),
            }
        ).where(AccountClaim.id == claim_id)
        claim = await AccountClaim.select(AccountClaim.household).where(AccountClaim.id == claim_id).first()
        assert claim is not None
        await audit.record(actor, "household", claim["household"], "claim_rejected", {"claim": claim_id})
