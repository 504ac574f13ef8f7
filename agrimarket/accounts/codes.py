"""Sign-in by a one-time code sent to the phone ("Đăng nhập bằng mã"): a forgotten password, or an
account a cooperative manager created, never locks a farmer out.

- A code is 6 digits, valid 5 minutes, good once; only its HMAC (keyed with SECRET_KEY, so the
  table alone does not give a million-guess search) is stored; 5 wrong tries spend it.
- At most 3 codes per phone and 3 per client address in 15 minutes, counted in the login
  limiter's store (shared by every app process on PostgreSQL, like the login limit).
- The same answer whether or not the phone has an account, and one refusal for a wrong, used or
  expired code.
- The code travels as an urgent message (``agrimarket.messages``: Zalo, then SMS; no quiet hours,
  no daily cap); the message's copy of it is wiped once sent (``agrimarket.messages.delivery``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from litestar.stores.base import Store

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.accounts.limits import wait_words
from agrimarket.accounts.passwords import check_strength, hash_password
from agrimarket.accounts.phone import normalize_phone
from agrimarket.cooperatives.service import require_manager
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Invalid, NotFound, RateLimited, Unauthorized
from agrimarket.messages import kinds
from agrimarket.messages.service import Draft, to_user
from agrimarket.settings import Settings
from agrimarket.tables import Household, SignInCode, User
from agrimarket.text import ascii_digits
from agrimarket.web.stores import increment

TTL = timedelta(minutes=5)
WINDOW_S = 15 * 60
MAX_WRONG = 5
CODE_SENT_VI = (
    "Nếu số điện thoại này có tài khoản, mã đăng nhập gồm 6 chữ số đang được gửi qua Zalo hoặc SMS. "
    "Mã dùng được trong 5 phút."
)
CODE_SENT_EN = (
    "If this phone has an account, a 6-digit sign-in code is on its way by Zalo or SMS (valid 5 minutes)."
)


class TooManyCodes(RateLimited):
    def __init__(self, retry_after: int) -> None:
        wait_vi, wait_en = wait_words(retry_after)
        super().__init__(
            f"Đã gửi quá nhiều mã. Hãy thử lại sau {wait_vi}.",
            f"Too many codes asked for. Try again in {wait_en}.",
            retry_after,
        )


class WrongCode(Unauthorized):
    def __init__(self) -> None:
        super().__init__(
            "Mã không đúng, đã dùng hoặc đã hết hạn. Hãy xin mã mới.",
            "The code is wrong, used or expired. Ask for a new one.",
        )


def code_hash(secret_key: str, phone: str, code: str) -> str:
    return hmac.new(secret_key.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


async def request_code(store: Store, client: str | None, raw_phone: str, settings: Settings) -> None:
    """Count the request, and send a code if the phone has an active account (silently otherwise).
    ``client`` None: asked by the household's cooperative manager (only the phone's limit counts)."""
    phone = normalize_phone(raw_phone)
    keys = [f"code-phone:{phone}"] + ([f"code-client:{client}"] if client is not None else [])
    for key in keys:
        if await increment(store, key, WINDOW_S) > settings.sign_in_codes_per_15_min:
            raise TooManyCodes(await store.expires_in(key) or WINDOW_S)
    user = await User.select(User.id).where((User.phone == phone) & (User.is_active == True)).first()  # noqa: E712
    if user is None:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = clock.now()
    async with write_transaction():
        rows = await SignInCode.insert(
            SignInCode(
                phone=phone,
                user=user["id"],
                code_hash=code_hash(settings.secret_key, phone, code),
                created_at=now,
                expires_at=now + TTL,
            )
        ).returning(SignInCode.id)
        draft = Draft(
            kinds.SIGN_IN_CODE,
            f"Mã đăng nhập agrimarket: {code}. Mã dùng trong 5 phút. Không đưa mã này cho ai.",
            f"sign-in:{rows[0]['id']}",
            "/login/code",
            {"otp": code},
        )
        await to_user(user["id"], phone, draft)


async def sign_in_with_code(raw_phone: str, code: str, settings: Settings, new_password: str = "") -> int:
    """The user id for a right, fresh, unused code (and the new password set, if given)."""
    if not (len(code) == 6 and ascii_digits(code)):
        raise Invalid("code", "Mã gồm đúng 6 chữ số.", "The code is 6 digits.")
    # A malformed phone is a 422 as when asking: no account has one, so saying so reveals nothing.
    phone = normalize_phone(raw_phone)
    if new_password:
        check_strength(new_password)
    now = clock.now()
    async with write_transaction():
        row = (
            await SignInCode.select()
            .where((SignInCode.phone == phone) & SignInCode.used_at.is_null())
            .order_by(SignInCode.id, ascending=False)
            .first()
        )
        if row is None or clock.to_local(row["expires_at"]) <= now or row["wrong_tries"] >= MAX_WRONG:
            raise WrongCode()
        if not hmac.compare_digest(row["code_hash"], code_hash(settings.secret_key, phone, code)):
            await SignInCode.update({SignInCode.wrong_tries: SignInCode.wrong_tries + 1}).where(
                SignInCode.id == row["id"]
            )
            wrong = True
        else:
            wrong = False
            await SignInCode.update({SignInCode.used_at: now}).where(SignInCode.id == row["id"])
            if new_password:
                await User.update({User.password_hash: await hash_password(new_password)}).where(
                    User.id == row["user"]
                )
    if wrong:  # raised after the commit: the wrong try counts
        raise WrongCode()
    return row["user"]


async def send_member_code(
    actor: Actor, coop_id: int, household_id: int, store: Store, settings: Settings
) -> str:
    """A cooperative's manager sends a member household its sign-in code (a farmer who never had a
    password, or lost it); the phone it goes to, for the manager to tell the farmer."""
    require_manager(actor, coop_id)
    member = (
        await Household.select(Household.phone)
        .where((Household.id == household_id) & (Household.cooperative == coop_id))
        .first()
    )
    if member is None:
        raise NotFound("Không có hộ thành viên này.", "No such member household.")
    if not await User.exists().where((User.household == household_id) & (User.is_active == True)):  # noqa: E712
        raise Conflict(
            "Hộ này chưa có tài khoản: hãy “Đăng ký giúp hộ” trước.", "This household has no account yet."
        )
    await request_code(store, None, member["phone"], settings)
    return member["phone"]
