"""Registration, login and sessions (web cookie or API bearer token: one mechanism)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from agrimarket.accounts.actor import SELF_REGISTER_ROLES, Actor, Role
from agrimarket.accounts.passwords import check_strength, hash_password, verify_password
from agrimarket.accounts.phone import normalize_phone
from agrimarket.areas.service import get_commune
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Invalid, Unauthorized
from agrimarket.tables import AuthSession, Household, Province, User
from agrimarket.text import clean_line

MAX_NAME = 120
MAX_ADDRESS = 300
_VPOST_CODE = re.compile(r"^[A-Z0-9-]{4,20}$")


@dataclass(frozen=True)
class Registration:
    phone: str
    password: str
    full_name: str
    commune_code: str
    role: str = Role.HOUSEHOLD
    address: str = ""
    vpost_code: str | None = None


def clean_name(raw: str, field: str = "full_name") -> str:
    name = clean_line(raw)
    if not name:
        raise Invalid(field, "Hãy nhập họ và tên.", "Please enter a name.")
    if len(name) > MAX_NAME:
        raise Invalid(field, f"Tên dài quá {MAX_NAME} ký tự.", f"The name exceeds {MAX_NAME} characters.")
    return name


def clean_address(raw: str | None, limit: int = MAX_ADDRESS) -> str:
    address = clean_line(raw)
    if len(address) > limit:
        raise Invalid(
            "address", f"Địa chỉ dài quá {limit} ký tự.", f"The address exceeds {limit} characters."
        )
    return address


def clean_vpost_code(raw: str | None) -> str | None:
    """Vietnam Post address code (optional): stored upper-case, letters, digits and hyphens."""
    code = (raw or "").strip().upper()
    if code and not _VPOST_CODE.match(code):
        raise Invalid(
            "vpost_code",
            "Mã Vpost không đúng (4–20 chữ cái, chữ số hoặc dấu gạch).",
            "Invalid Vpost code (4–20 letters, digits or hyphens).",
        )
    return code or None


async def register(form: Registration) -> int:
    """Create a household (with its household record) or a coop manager; returns the user id."""
    if form.role not in SELF_REGISTER_ROLES:
        raise Invalid(
            "role",
            "Chỉ đăng ký được hộ sản xuất hoặc quản lý HTX.",
            "Only households and coop managers can register.",
        )
    phone = normalize_phone(form.phone)
    name = clean_name(form.full_name)
    check_strength(form.password)
    vpost_code = clean_vpost_code(form.vpost_code)
    address = clean_address(form.address)
    commune = await get_commune(form.commune_code)
    if await User.exists().where(User.phone == phone):
        raise Conflict(
            "Số điện thoại này đã có tài khoản. Hãy đăng nhập.",
            "This phone number already has an account. Please log in.",
        )
    if form.role == Role.HOUSEHOLD and await Household.exists().where(Household.phone == phone):
        raise Conflict(
            "Số điện thoại này là của một hộ sản xuất. Hãy đăng ký với vai trò hộ sản xuất để nhận tài khoản.",
            "This phone belongs to a farm household. Register as a household to claim its account.",
        )
    password_hash = await hash_password(form.password)
    async with write_transaction():
        household_id = None
        if form.role == Role.HOUSEHOLD:
            household = Household(
                head_name=name,
                phone=phone,
                address=address,
                commune=commune["code"],
                vpost_code=vpost_code,
            )
            await household.save()
            household_id = household.id
        user = User(
            phone=phone, password_hash=password_hash, full_name=name, role=form.role, household=household_id
        )
        await user.save()
        newcomer = Actor(user.id, phone, name, Role(form.role), "vi", household_id=household_id)
        await audit.record(newcomer, "account", user.id, "register", {"role": str(form.role), "phone": phone})
    return user.id


async def create_staff(phone: str, password: str, full_name: str, role: Role, area_code: str | None) -> int:
    """Officers (scoped to a province or commune) and admins: created from the CLI only."""
    phone = normalize_phone(phone)
    check_strength(password)
    values: dict = {"phone": phone, "full_name": clean_name(full_name), "role": role}
    if role == Role.OFFICER:
        if area_code and len(area_code) == 2 and await Province.exists().where(Province.code == area_code):
            values["scope_province"] = area_code
        else:
            values["scope_commune"] = (await get_commune(area_code, "area"))["code"]
    elif role != Role.ADMIN:
        raise Invalid("role", "Vai trò không hợp lệ.", "Invalid role.")
    if await User.exists().where(User.phone == phone):
        raise Conflict("Số điện thoại này đã có tài khoản.", "This phone number already has an account.")
    user = User(password_hash=await hash_password(password), **values)
    async with write_transaction():
        await user.save()
        # From the command line: no actor, the entry is the system's.
        await audit.record(None, "account", user.id, "staff_created", {k: str(v) for k, v in values.items()})
    return user.id


async def authenticate(phone: str, password: str) -> int:
    """The user id, or one answer for a wrong phone and a wrong password alike."""
    try:
        phone = normalize_phone(phone)
    except Invalid:
        phone = ""
    row = await User.select(User.id, User.password_hash, User.is_active).where(User.phone == phone).first()
    ok = await verify_password(row["password_hash"] if row else None, password or "")
    if not (ok and row and row["is_active"]):
        raise Unauthorized("Sai số điện thoại hoặc mật khẩu.", "Wrong phone number or password.")
    return row["id"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(user_id: int, kind: str, days: int) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    await AuthSession.insert(
        AuthSession(
            token_hash=token_hash(token),
            user=user_id,
            kind=kind,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return token


async def close_session(token: str) -> None:
    await AuthSession.delete().where(AuthSession.token_hash == token_hash(token))


async def actor_for_token(token: str, kind: str) -> Actor | None:
    row = (
        await AuthSession.select(
            AuthSession.expires_at,
            AuthSession.user.id.as_alias("user_id"),
            AuthSession.user.phone.as_alias("phone"),
            AuthSession.user.full_name.as_alias("full_name"),
            AuthSession.user.role.as_alias("role"),
            AuthSession.user.language.as_alias("language"),
            AuthSession.user.is_active.as_alias("is_active"),
            AuthSession.user.household.as_alias("household_id"),
            AuthSession.user.cooperative.as_alias("cooperative_id"),
            AuthSession.user.scope_province.as_alias("scope_province"),
            AuthSession.user.scope_commune.as_alias("scope_commune"),
        )
        .where((AuthSession.token_hash == token_hash(token)) & (AuthSession.kind == kind))
        .first()
    )
    if row is None or not row["is_active"] or _aware(row["expires_at"]) < datetime.now(UTC):
        return None
    return Actor(
        user_id=row["user_id"],
        phone=row["phone"],
        full_name=row["full_name"],
        role=Role(row["role"]),
        language=row["language"],
        household_id=row["household_id"],
        cooperative_id=row["cooperative_id"],
        scope_province=row["scope_province"],
        scope_commune=row["scope_commune"],
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
