"""How many accounts one client address may register: a short window and a day.

Counted in the login limiter's store (``login_rate_limit``: memory when embedded, the PostgreSQL
table shared by every app process when scaled out, see ``agrimarket.web.stores``), each window
starting at the client's first registration in it. Every attempt counts, failed ones too: a run of
409s would otherwise tell a bot which phones have accounts. A refused attempt adds nothing, so
the wait never grows while the client keeps trying.
"""

from __future__ import annotations

from litestar.stores.base import Store

from agrimarket.errors import RateLimited
from agrimarket.settings import Settings
from agrimarket.web.stores import increment

STORE = "login_rate_limit"
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
DAY_S = 86400


class TooManyRegistrations(RateLimited):
    def __init__(self, retry_after: int) -> None:
        wait_vi, wait_en = wait_words(retry_after)
        super().__init__(
            f"Từ mạng này đã đăng ký quá nhiều tài khoản. Hãy thử lại sau {wait_vi}, hoặc nhờ cán bộ "
            "xã hay hợp tác xã hỗ trợ.",
            f"Too many accounts registered from this network. Try again in {wait_en}, or ask the "
            "commune office or your cooperative for help.",
            retry_after,
        )


def wait_words(seconds: int) -> tuple[str, str]:
    """A wait in words a farmer reads in a refusal, Vietnamese and English: "15 phút", "2 giờ"."""
    if seconds >= 3600:
        hours = -(-seconds // 3600)
        return f"{hours} giờ", f"{hours} hours"
    minutes = max(1, -(-seconds // 60))
    return f"{minutes} phút", f"{minutes} minutes"


async def take_registration(store: Store, client: str, settings: Settings) -> None:
    """Count one registration attempt of ``client``; TooManyRegistrations once a window is full."""
    unit, allowed = settings.register_limit
    windows = (
        (f"register:{client}", _SECONDS[unit], allowed),
        (f"register-day:{client}", DAY_S, settings.register_daily_limit),
    )
    for key, seconds, limit in windows:
        if int(await store.get(key) or 0) >= limit:
            raise TooManyRegistrations(await store.expires_in(key) or seconds)
    for key, seconds, limit in windows:
        # Concurrent attempts may pass the check together; the increment settles it.
        if await increment(store, key, seconds) > limit:
            raise TooManyRegistrations(await store.expires_in(key) or seconds)
