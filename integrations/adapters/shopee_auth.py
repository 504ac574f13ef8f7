"""Shopee Open Platform v2 authentication: request signing and the shop's access token.

Signing (Shopee's "API calls" and "Authorization and Authentication" guides): the sign is the
lower-case hex HMAC-SHA256, keyed with the partner key, of the base string
``partner_id + api_path + timestamp`` (public APIs) or
``partner_id + api_path + timestamp + access_token + shop_id`` (shop APIs). The common parameters
``partner_id``, ``timestamp``, ``sign`` (and ``access_token``, ``shop_id``) go in the query string;
a timestamp is honoured for 5 minutes.

Tokens: the seller's authorization ``code`` is exchanged once (``/api/v2/auth/token/get``) for an
``access_token`` (4 hours) and a ``refresh_token`` (30 days, single use);
``/api/v2/auth/access_token/get`` trades the refresh token for a new pair. Because a refresh token
works once, two worker processes refreshing together would lock one of them out: renewals are
claimed through a lease (``leased_tokens``).
"""

from __future__ import annotations

import hashlib
import hmac

TOKEN_GET = "/api/v2/auth/token/get"  # noqa: S105 - an API path, not a secret
TOKEN_REFRESH = "/api/v2/auth/access_token/get"  # noqa: S105 - an API path
TIMESTAMP_WINDOW_S = 300
# Renew half an hour before the 4-hour expiry, so a slow or failed renewal still has a valid token.
RENEW_AHEAD_S = 1800


def base_string(partner_id: str, path: str, timestamp: str, access_token: str = "", shop_id: str = "") -> str:
    """The documented base string; access token and shop id only for shop-level APIs."""
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def sign(partner_key: str, base: str) -> str:
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def common_params(
    partner_id: str, partner_key: str, path: str, timestamp: int, access_token: str = "", shop_id: str = ""
) -> dict[str, str]:
    """The query string of a call: partner_id, timestamp, sign (+ access_token, shop_id)."""
    params = {"partner_id": partner_id, "timestamp": str(timestamp)}
    if access_token:
        params |= {"access_token": access_token, "shop_id": shop_id}
    params["sign"] = sign(partner_key, base_string(partner_id, path, str(timestamp), access_token, shop_id))
    return params
