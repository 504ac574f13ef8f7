"""Data requests (export, deletion) need a fresh sign-in and are rate-limited.

Fresh: the session was opened, or confirmed with the password or a one-time sign-in code
(``agrimarket.accounts.codes``), within ``PRIVACY_FRESH_MINUTES``. The count of requests per
account shares the login limiter's store (memory embedded, PostgreSQL when scaled out).
"""

from __future__ import annotations

from datetime import timedelta

from litestar.stores.base import Store

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.accounts.codes import WrongCode, sign_in_with_code
from agrimarket.accounts.limits import wait_words
from agrimarket.accounts.passwords import verify_password
from agrimarket.accounts.service import token_hash
from agrimarket.errors import Forbidden, Invalid, RateLimited, Unauthorized
from agrimarket.privacy.settings import PrivacySettings
from agrimarket.settings import Settings
from agrimarket.tables import AuthSession, User
from agrimarket.web.stores import increment

WINDOW_S = 3600


class FreshSignInNeeded(Forbidden):
    code = "fresh_sign_in_required"

    def __init__(self) -> None:
        super().__init__(
            "Để xem, tải hoặc xoá dữ liệu, hãy nhập lại mật khẩu (hoặc mã đăng nhập gửi qua Zalo/SMS).",
            "To see, download or delete your data, enter your password again (or a sign-in code).",
        )


class TooManyDataRequests(RateLimited):
    def __init__(self, retry_after: int) -> None:
        wait_vi, wait_en = wait_words(retry_after)
        super().__init__(
            f"Bạn đã yêu cầu dữ liệu quá nhiều lần. Hãy thử lại sau {wait_vi}.",
            f"Too many data requests. Try again in {wait_en}.",
            retry_after,
        )


async def take_request(store: Store, actor: Actor, settings: Settings) -> None:
    """Count one data request (or confirmation) of the account; 429 once the hour is full."""
    limit = settings.section(PrivacySettings).requests_per_hour
    key = f"data-request:{actor.user_id}"
    if await increment(store, key, WINDOW_S) > limit:
        raise TooManyDataRequests(await store.expires_in(key) or WINDOW_S)


async def require_fresh(token: str | None, settings: Settings) -> None:
    row = (
        await AuthSession.select(AuthSession.created_at, AuthSession.confirmed_at)
        .where(AuthSession.token_hash == token_hash(token or ""))
        .first()
    )
    if row is None:
        raise Unauthorized()
    last = max(clock.to_local(moment) for moment in (row["created_at"], row["confirmed_at"]) if moment)
    if clock.now() - last > timedelta(minutes=settings.section(PrivacySettings).fresh_minutes):
        raise FreshSignInNeeded()


async def confirm(token: str | None, actor: Actor, password: str, code: str, settings: Settings) -> None:
    """Mark the session fresh with the account's password, or with a sign-in code sent to its phone."""
    if code:
        try:
            ok = await sign_in_with_code(actor.phone, code, settings) == actor.user_id
        except WrongCode as wrong:
            raise Invalid("code", wrong.message_vi, wrong.message_en) from None
    else:
        row = await User.select(User.password_hash).where(User.id == actor.user_id).first()
        stored = row["password_hash"] if row else ""
        ok = bool(stored) and await verify_password(stored, password)
    if not ok:
        raise Invalid("password", "Mật khẩu không đúng.", "Wrong password.")
    await AuthSession.update({AuthSession.confirmed_at: clock.now()}).where(
        AuthSession.token_hash == token_hash(token or "")
    )
