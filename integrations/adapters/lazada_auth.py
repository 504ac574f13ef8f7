"""Lazada Open Platform: request signing, the seller's authorization and its tokens.

Signing (Lazada Open Platform, "Documentation > Signature algorithm" and "Calling parameters"):
every call carries the system parameters ``app_key``, ``timestamp`` (epoch milliseconds, or
ISO 8601; refused when more than 7200 s off), ``sign_method=sha256``, ``access_token`` (seller
APIs) and ``sign``: the upper-case hex HMAC-SHA256, keyed with the app secret, of the API path
followed by every other parameter (system and business, never ``sign`` nor file parts) sorted by
name and concatenated as ``name`` + ``value``. The official SDK (``lazop-sdk``,
``lazop_sdk.base.sign``) computes the same string; our simulator accepts its requests
(tests/integrations/test_lazada_sdk.py).

Authorization ("Documentation > Seller authorization introduction"): the seller opens
``https://auth.lazada.com/oauth/authorize?response_type=code&force_auth=true&redirect_uri=…&client_id=<app_key>``,
logs in and consents; Lazada redirects to ``redirect_uri?code=…``. ``/auth/token/create``
(parameter ``code``) answers ``access_token``, ``refresh_token``, ``expires_in``,
``refresh_expires_in``, ``account`` and ``country_user_info`` (``seller_id`` per country);
``/auth/token/refresh`` (parameter ``refresh_token``) answers a new pair. Both are called on
``https://auth.lazada.com/rest``, the seller APIs on the country's gateway (Vietnam:
``https://api.lazada.vn/rest``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode

TOKEN_CREATE = "/auth/token/create"  # noqa: S105 - an API path, not a secret
TOKEN_REFRESH = "/auth/token/refresh"  # noqa: S105 - an API path
AUTHORIZE_PATH = "/oauth/authorize"
AUTH_HOST = "https://auth.lazada.com"
API_HOST_VN = "https://api.lazada.vn/rest"
SIGN_METHOD = "sha256"
TIMESTAMP_WINDOW_S = 7200
# Renew a day before the access token's end (7 days for an app in test, 30 days online).
RENEW_AHEAD_S = 86400


def sign(app_secret: str, api_path: str, params: Mapping[str, object]) -> str:
    """The documented signature of a call's parameters (``sign`` itself left out)."""
    base = api_path + "".join(f"{name}{params[name]}" for name in sorted(params) if name != "sign")
    return hmac.new(app_secret.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


def signed(
    app_key: str, app_secret: str, api_path: str, timestamp_ms: int, access_token: str = "", **business: str
) -> dict[str, str]:
    """System and business parameters of one call, with its ``sign``."""
    params = {"app_key": app_key, "timestamp": str(timestamp_ms), "sign_method": SIGN_METHOD} | business
    if access_token:
        params["access_token"] = access_token
    params["sign"] = sign(app_secret, api_path, params)
    return params


def authorize_url(auth_host: str, app_key: str, redirect_uri: str, state: str = "") -> str:
    """Where the seller is sent to authorize our app (Lazada's consent page, or the simulator's)."""
    query = {
        "response_type": "code",
        "force_auth": "true",
        "redirect_uri": redirect_uri,
        "client_id": app_key,
    }
    return f"{auth_host}{AUTHORIZE_PATH}?{urlencode(query | ({'state': state} if state else {}))}"
