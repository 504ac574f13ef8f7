"""Zalo Notification Service (ZNS): approved template messages to a phone number, sent as the
Official Account (OA) through the OA's OAuth v4 access token.

What this module follows (Zalo's published developer documentation, developers.zalo.me /
zalo.cloud, and public SDKs that call the same endpoints):

- **Token** (Official Account API, "Xác thực và ủy quyền", OAuth v4): ``POST
  {oauth}/v4/oa/access_token`` with form fields ``refresh_token``, ``app_id``,
  ``grant_type=refresh_token`` and the app secret in the ``secret_key`` header. The answer carries
  ``access_token``, a NEW ``refresh_token`` and ``expires_in`` (seconds, sent by Zalo as a string).
  A refresh token works once: the new one is stored at every renewal (``TokenStore``), and the
  lifetime is read from ``expires_in``, never assumed. An error answer carries ``error`` (a negative
  number), ``error_name`` and ``error_description`` instead.
- **Send** (ZNS "Gửi ZNS"): ``POST {zns}/message/template`` with the token in the ``access_token``
  header and a JSON body ``phone`` (84XXXXXXXXX), ``template_id``, ``template_data`` (the template's
  parameters, strings) and ``tracking_id`` (our id of the message, echoed in Zalo's delivery
  receipts). The answer is ``{"error": 0, "message": "Success", "data": {"msg_id", "sent_time",
  "quota": {"dailyQuota", "remainingQuota"}}}``, or a negative ``error`` with a ``message``.
- **Error codes** (zalo.cloud, "Cách xử lý mã lỗi"): -100 unknown error (try again), -108 phone
  number invalid, -109 template ID invalid, -114 user inactive or refusing ZNS, -115 out of quota,
  -117 OA or app has no permission for this template (not approved for it), -118 Zalo account not
  existed, -119 account cannot receive ZNS, -124 access token invalid (renew and send once more),
  -144 OA over its daily quota. Every other negative code is treated as a refusal too: the message
  falls back to SMS rather than retrying something Zalo will keep refusing.

Dedupe: ``tracking_id`` is our message id. Zalo documents it as the partner's reference, not as an
idempotency key, so a send whose answer was lost could in principle reach the phone twice; our
simulator replays the first answer for a repeated ``tracking_id`` (what we need of a gateway), and
the delivery worker keeps such repeats rare (a send is only repeated after a timeout or a cut
connection).

**Delivery receipts** (OA webhook, "Sự kiện người dùng nhận tin nhắn"; for ZNS the event carries
``message.delivery_time``): Zalo POSTs ``{"event_name": "user_received_message", "app_id",
"timestamp" (ms, a string), "message": {"msg_id", "tracking_id", "delivery_time" (ms)}, ...}`` to
the webhook URL registered for the app, with ``X-ZEvent-Signature: mac=<hex sha256(app_id + body +
timestamp + OA secret key)>`` over the raw body (the published formula; several public clients
also send it without the ``mac=`` prefix, so both are read). ``receipt_signature`` computes it;
``integrations.webhooks.zalo_receipts`` checks it and marks the delivery delivered.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx
import msgspec

from agrimarket.messages.channel import Outgoing, Refused, Sent, TryLater

CODE = "zalo"
NAME = "Zalo ZNS"
TOKEN_PATH = "/v4/oa/access_token"  # noqa: S105 - an API path, not a secret
SEND_PATH = "/message/template"
# Renew a little before Zalo's expires_in runs out, so a token is never sent as it expires.
RENEW_AHEAD_S = 300
RECEIPT_EVENT = "user_received_message"
SIGNATURE_HEADER = "X-ZEvent-Signature"
UNKNOWN_ERROR = -100
# Over the app's request rate (answered with HTTP 429): send again later, never a refusal.
RATE_LIMITED = -32
TOKEN_INVALID = -124
# What each refusal means to the household's admin, in Vietnamese (zalo.cloud's own wording).
REFUSALS = {
    -108: "Số điện thoại không hợp lệ với Zalo",
    -109: "Mẫu ZNS không hợp lệ",
    -114: "Người nhận đã tắt nhận tin ZNS hoặc tài khoản không hoạt động",
    -115: "Tài khoản ZNS đã hết số dư",
    -117: "Mẫu ZNS chưa được duyệt cho OA này",
    -118: "Số điện thoại không có tài khoản Zalo",
    -119: "Tài khoản Zalo không nhận được ZNS",
    -144: "OA đã gửi hết hạn mức ZNS trong ngày",
}


def receipt_signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """What Zalo puts in X-ZEvent-Signature: "mac=" + hex sha256(app_id + body + timestamp + key)."""
    signed = app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()
    return "mac=" + hashlib.sha256(signed).hexdigest()


class Tokens(msgspec.Struct, frozen=True):
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds, from the answer's expires_in


class TokenStore(Protocol):
    """Where the OA's tokens live so every process shares them (``integrations.channel_tokens``).

    ``renew`` runs ``refresh(latest)`` for one caller at a time and keeps what it returns: two
    processes renewing at once would otherwise spend the single-use refresh token twice.
    """

    async def load(self) -> Tokens | None: ...

    async def renew(self, refresh, stale_access_token: str) -> Tokens: ...


class MemoryTokens:
    """Tokens kept in this process only (a script, a test without a database)."""

    def __init__(self) -> None:
        self.tokens: Tokens | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> Tokens | None:
        return self.tokens

    async def renew(self, refresh, stale_access_token: str) -> Tokens:
        async with self._lock:
            if self.tokens and self.tokens.access_token != stale_access_token:
                return self.tokens  # another task renewed meanwhile
            self.tokens = await refresh(self.tokens)
            return self.tokens


def zalo_phone(phone: str) -> str:
    """0912345678 -> 84912345678 (ZNS's own format)."""
    return "84" + phone[1:] if phone.startswith("0") else phone


class ZaloChannel:
    code = CODE

    def __init__(
        self,
        oauth_url: str,
        zns_url: str,
        app_id: str,
        app_secret: str,
        first_refresh_token: str,
        templates: dict[str, str],
        timeout_s: float,
        tokens: TokenStore | None = None,
        clock=time.time,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.oauth_url = oauth_url.rstrip("/")
        self.zns_url = zns_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.first_refresh_token = first_refresh_token
        self.templates = templates  # message kind -> approved template id
        self.tokens = tokens or MemoryTokens()
        self.clock = clock
        self.pace = pace  # waits for the gateway's next send slot (its per-second limit)
        self._cached: Tokens | None = None
        self.client = httpx.AsyncClient(timeout=timeout_s)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _refresh(self, latest: Tokens | None) -> Tokens:
        refresh_token = latest.refresh_token if latest else self.first_refresh_token
        try:
            response = await self.client.post(
                self.oauth_url + TOKEN_PATH,
                data={"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"},
                headers={"secret_key": self.app_secret},
            )
        except httpx.HTTPError as exc:
            raise TryLater(f"Zalo OAuth: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TryLater(f"Zalo OAuth: HTTP {response.status_code}", _retry_after(response))
        body = _json(response)
        if not body.get("access_token"):
            # A refresh token refused once stays refused: the OA must be authorized again.
            raise Refused(
                f"Zalo từ chối làm mới mã truy cập OA: {body.get('error_name') or body.get('error')}",
                str(body.get("error", response.status_code)),
            )
        try:
            lifetime = float(body["expires_in"])
        except (KeyError, TypeError, ValueError):
            raise TryLater("Zalo OAuth: answer without expires_in") from None
        return Tokens(body["access_token"], body["refresh_token"], self.clock() + lifetime)

    def _fresh(self, tokens: Tokens | None) -> bool:
        return tokens is not None and tokens.expires_at - RENEW_AHEAD_S > self.clock()

    async def _access_token(self, stale: str = "") -> str:
        # Kept in this process until it nears its expiry (or Zalo calls it invalid): reading and
        # decrypting the shared row on every send would cost more than the send.
        if not stale and self._fresh(self._cached):
            assert self._cached is not None
            return self._cached.access_token
        tokens = await self.tokens.load()
        if stale or not self._fresh(tokens):
            tokens = await self.tokens.renew(self._refresh, stale or (tokens.access_token if tokens else ""))
        assert tokens is not None
        self._cached = tokens
        return tokens.access_token

    async def send(self, message: Outgoing) -> Sent:
        template_id = self.templates.get(message.kind)
        if not template_id:
            raise Refused(f"Chưa có mẫu ZNS cho loại tin {message.kind}", "no_template")
        body = {
            "phone": zalo_phone(message.phone),
            "template_id": template_id,
            "template_data": message.params,
            "tracking_id": str(message.message_id),
        }
        token = await self._access_token()
        answer = await self._post(body, token)
        if answer.get("error") == TOKEN_INVALID:
            # Revoked or expired early: renew once, send once more.
            answer = await self._post(body, await self._access_token(stale=token))
        error = answer.get("error")
        if error == 0:
            return Sent(str((answer.get("data") or {}).get("msg_id", "")))
        if error in (UNKNOWN_ERROR, RATE_LIMITED) or not isinstance(error, int):
            raise TryLater(f"ZNS {error}: {answer.get('message', '')}")
        raise Refused(REFUSALS.get(error, f"ZNS từ chối: {answer.get('message', '')}"), str(error))

    async def _post(self, body: dict, token: str) -> dict:
        if self.pace is not None:
            await self.pace()
        try:
            response = await self.client.post(
                self.zns_url + SEND_PATH, json=body, headers={"access_token": token}
            )
        except httpx.HTTPError as exc:
            raise TryLater(f"ZNS: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TryLater(
                f"ZNS: HTTP {response.status_code}", _retry_after(response), response.status_code == 429
            )
        return _json(response)


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise TryLater(f"Zalo: unreadable answer (HTTP {response.status_code})") from None
    if not isinstance(body, dict):
        raise TryLater("Zalo: unexpected answer")
    return body


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
