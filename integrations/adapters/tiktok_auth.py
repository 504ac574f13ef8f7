"""TikTok Shop Partner API authentication: request signing, the seller's authorisation and its tokens.

Signing follows "Sign your API request" (partner.tiktokshop.com/docv2, Developer guide): take every
query parameter except ``sign`` and ``access_token``, sort the keys, concatenate ``{key}{value}``,
put the API path in front, append the request body (the exact bytes sent) unless the content type
is multipart/form-data, wrap the string in the app secret on both sides and take the lower-case hex
HMAC-SHA256 keyed with the app secret. The guide's own example (Get Authorized Shops, app secret
``e59af819cc``) gives ``b596b73e…82dc8``; tests/integrations/test_tiktok.py checks we get it too.
For API versions 202309 and later the access token travels in the ``x-tts-access-token`` header and
is not signed. The timestamp (10-digit Unix seconds) must be within 5 minutes of TikTok's clock.

Authorisation ("Authorization overview" guide): the seller opens
``https://auth.tiktok-shops.com/oauth/authorize?app_key=…&state=…`` and, once they approve, TikTok
sends the browser to the app's registered redirect URL with ``code`` and ``state``. The code is
traded once, on the auth host, with ``GET /api/v2/token/get?app_key&app_secret&auth_code
&grant_type=authorized_code``; ``GET /api/v2/token/refresh?app_key&app_secret&refresh_token
&grant_type=refresh_token`` renews. Both answer ``data.access_token``, ``access_token_expire_in``,
``refresh_token``, ``refresh_token_expire_in`` (Unix timestamps of expiry, read off the answer, never
assumed), ``open_id``, ``seller_name``. Renewals share the ``leased_tokens`` lease (one process
renews for all: see ``shopee_auth``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from integrations.adapters.base import Account, CredentialsError, Rejected
from integrations.adapters.leased_tokens import LeasedTokens

AUTH_HOST = "https://auth.tiktok-shops.com"
API_HOST = "https://open-api.tiktokglobalshop.com"
AUTHORIZE = "/oauth/authorize"
TOKEN_GET = "/api/v2/token/get"  # noqa: S105 - an API path, not a secret
TOKEN_REFRESH = "/api/v2/token/refresh"  # noqa: S105 - an API path
TOKEN_HEADER = "x-tts-access-token"  # noqa: S105 - a header name
TIMESTAMP_WINDOW_S = 300
UNSIGNED = ("sign", "access_token")
# Renew a day before expiry (TikTok's access tokens last days, not hours); never send one about to lapse.
RENEW_AHEAD_S = 86400


def base_string(path: str, params: Mapping[str, object], body: bytes = b"", multipart: bool = False) -> str:
    """Path + sorted ``{key}{value}`` (sign and access_token left out) + body, as the guide builds it."""
    ordered = "".join(f"{key}{params[key]}" for key in sorted(params) if key not in UNSIGNED)
    return path + ordered + ("" if multipart else body.decode())


def sign(app_secret: str, base: str) -> str:
    wrapped = f"{app_secret}{base}{app_secret}"
    return hmac.new(app_secret.encode(), wrapped.encode(), hashlib.sha256).hexdigest()


def auth_base(api_base: str) -> str:
    """Where tokens are traded: TikTok's own auth host for its API host, else the same base (simulator)."""
    return AUTH_HOST if api_base.rstrip("/") == API_HOST else api_base.rstrip("/")


def authorize_url(api_base: str, app_key: str, state: str) -> str:
    """The seller's consent page (TikTok's, or the simulator's in development)."""
    return f"{auth_base(api_base)}{AUTHORIZE}?{urlencode({'app_key': app_key, 'state': state})}"


def seconds_left(credentials: Mapping[str, str], now: float) -> float:
    """How long the stored access token still works (0 when there is none)."""
    if not credentials.get("access_token"):
        return 0.0
    try:
        return float(credentials.get("access_token_expire_in") or 0) - now
    except ValueError:
        return 0.0


class TokenExpired(CredentialsError):
    """The access token was refused (105002): renew it once before giving up."""


class TokenKeeper(LeasedTokens):
    """The adapter's tokens: the code traded once, renewed ahead of expiry, shared through the store."""

    client: httpx.AsyncClient
    auth_base: str
    TOKENS_OF = "TikTok Shop"
    RENEW_AHEAD_S = RENEW_AHEAD_S

    def _app(self, account: Account) -> tuple[str, str]:
        raise NotImplementedError

    async def _send(self, request: httpx.Request) -> dict[str, Any]:
        raise NotImplementedError

    async def _renew(self, account: Account) -> None:
        """Trade the refresh token (or, the first time, the authorisation code) on the auth host."""
        app_key, app_secret = self._app(account)
        creds = account.credentials
        params = {"app_key": app_key, "app_secret": app_secret}
        if creds.get("refresh_token"):
            path = TOKEN_REFRESH
            params |= {"refresh_token": creds["refresh_token"], "grant_type": "refresh_token"}
        elif creds.get("auth_code"):
            path = TOKEN_GET
            params |= {"auth_code": creds["auth_code"], "grant_type": "authorized_code"}
        else:
            raise CredentialsError("TikTok Shop: thiếu mã ủy quyền, hãy ủy quyền lại gian hàng.")
        try:
            answer = await self._send(
                self.client.build_request("GET", f"{self.auth_base}{path}", params=params)
            )
        except (TokenExpired, Rejected) as exc:
            raise CredentialsError(f"TikTok Shop không cấp lại phiên truy cập: {exc}"[:300]) from exc
        data = answer["data"]
        for key in ("access_token", "access_token_expire_in", "refresh_token", "refresh_token_expire_in"):
            creds[key] = str(data[key])
        creds.pop("auth_code", None)  # single use

    def _seconds_left(self, credentials: Mapping[str, str]) -> float:
        return seconds_left(credentials, self.clock())
