"""The TikTok Shop simulator's auth host: the seller's consent page and the token calls, as the adapter's
``tiktok_auth`` follows them, and the demo app every simulator run accepts. Error codes of the
guide's "Common errors" page (Developer guide > TikTok Shop API concepts): 36009002 too many
requests, 36009004 invalid credentials / invalid timestamp (told apart by the message), 106001 an
invalid sign, 105002 an expired token, 105001 a deauthorized token, 106013 a missing shop_cipher.
The auth host's 36004001 / 36004005 are as sellers report them: no published copy found
(unverified).
"""

from __future__ import annotations

import hmac
import html
from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect

from integrations.adapters import tiktok_auth as auth
from integrations.simulators import credentials

TITLE = "TikTok Shop"
BAD_SIGN, TOKEN_EXPIRED, TOKEN_INVALID, BAD_TIMESTAMP, THROTTLED = 106001, 105002, 105001, 36009004, 36009002
BAD_CREDENTIALS, NO_SHOP_CIPHER = 36009004, 106013
FUTURE_S = 30  # "within the range of 5 minutes before to 30 seconds beyond the current time"
AUTH_RECORD_MISSING, REFRESH_EXPIRED = 36004005, 36004001


demo_app_secret = credentials.tiktok_demo_secret
_code = credentials.tiktok_demo_code


def demo_credentials(shop_id: str) -> dict[str, str]:
    """An app the simulator accepts for any shop, and the code its consent page would give."""
    return credentials.demo_credentials("tiktok", shop_id)


def auth_routes(state, answer) -> list:
    """Consent page (GET shows it, POST is the seller's approval) and the token calls."""

    @get(auth.AUTHORIZE)
    async def consent(
        app_key: str, state_: Annotated[str, QueryParameter(name="state")] = "", shop_id: str = ""
    ) -> Response:
        """The seller's consent page: approve, and the browser goes back to the app with a code."""
        fields = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
            for k, v in (("app_key", app_key), ("state", state_))
        )
        page = (
            f"<!doctype html><html lang='vi'><meta name='viewport' content='width=device-width'>"
            f"<title>{TITLE}: ủy quyền</title><h1>{TITLE}</h1>"
            f"<p>Ứng dụng <b>{html.escape(app_key)}</b> xin quyền quản lý sản phẩm và đơn hàng của gian hàng bạn."
            f" / The app asks to manage your shop's products and orders.</p>"
            f"<form method='post' action='authorize'>{fields}"
            f"<label>Mã gian hàng / Shop ID <input name='shop_id' value='{html.escape(shop_id)}' required></label>"
            f"<button type='submit'>Đồng ý / Authorize</button></form></html>"
        )
        return Response(page, media_type="text/html")

    @post(auth.AUTHORIZE, status_code=200)
    async def consent_given(request: Request) -> Response:
        form = await request.form()
        app_key, shop_id, given_state = (
            str(form.get("app_key", "")),
            str(form.get("shop_id", "")),
            str(form.get("state", "")),
        )
        if state.app_secret(app_key) is None or not shop_id.isdigit():
            return Response(
                "<p>Ứng dụng hoặc mã gian hàng không hợp lệ. / Unknown app or shop.</p>",
                status_code=400,
                media_type="text/html",
            )
        code = _code(app_key, shop_id)
        if state.config.redirect_url:
            return Redirect(f"{state.config.redirect_url}?{urlencode({'code': code, 'state': given_state})}")
        return Response(f"<p>code: <output>{code}</output></p>", media_type="text/html")

    def token_answer(app_key: str, shop_id: str) -> Response:
        access, access_until = state.mint("access", app_key, shop_id, state.config.access_ttl_s)
        refresh, refresh_until = state.mint("refresh", app_key, shop_id, state.config.refresh_ttl_s)
        return answer(
            access_token=access, access_token_expire_in=access_until, refresh_token=refresh,
            refresh_token_expire_in=refresh_until, open_id=f"open-{shop_id}", seller_name=f"Shop {shop_id}",
            seller_base_region="VN", user_type=0,
        )  # fmt: skip

    @get([auth.TOKEN_GET, auth.TOKEN_REFRESH])
    async def token(request: Request) -> Response:
        if state.admit():
            return answer(THROTTLED, "Too many requests.", 429)
        q = request.query_params
        app_key = q.get("app_key", "")
        secret = state.app_secret(app_key)
        if secret is None or not hmac.compare_digest(q.get("app_secret", ""), secret):
            return answer(106001, "Invalid app_key or app_secret.", 401)
        if q.get("grant_type") == "authorized_code":
            code = q.get("auth_code", "")
            shop = code.removeprefix("ROW_").split("_")[0]
            if not shop.isdigit() or not hmac.compare_digest(code, _code(app_key, shop)):
                return answer(AUTH_RECORD_MISSING, "can not find related auth record", 400)
            return token_answer(app_key, shop)
        refresh = q.get("refresh_token", "")
        found = (
            state.token_shop("refresh", refresh, app_key) if q.get("grant_type") == "refresh_token" else None
        )
        if found is None or refresh in state.used or not found[1]:
            return answer(REFRESH_EXPIRED, "rt has expired", 400)
        state.used.add(refresh)
        state.renewals += 1
        return token_answer(app_key, found[0])

    return [consent, consent_given, token]
