"""Idempotency keys: a write sent again with the same ``Idempotency-Key`` is applied once.

A phone that lost its signal sends a queued write again without knowing whether the first one
arrived (issue 22). On the routes that mount ``IdempotencyMiddleware``, a request carrying the header
runs in one transaction together with the record of its key and its answer, so the write and the
record commit together or not at all: a repeat finds the record and gets the first answer again
(``Idempotent-Replayed: true``), and the same key with another body is refused (422). Stripe's
idempotency keys are the model. Keys belong to the signed-in user and expire after
``KEEP_FOR``.

Only a 2xx or 3xx answer keeps the write. A 4xx answer is remembered without its write (the
handler's work is rolled back, so a half-done write never commits); a 5xx is not remembered, so
the phone may try again with the same key.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import cast

from litestar import Request
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from agrimarket import clock
from agrimarket.db import write_transaction
from agrimarket.errors import Invalid, Unauthorized
from agrimarket.tables import IdempotentRequest
from agrimarket.web.auth import provide_viewer

HEADER = "idempotency-key"
KEEP_FOR = timedelta(days=3)  # a phone offline longer than this sends its queue as new writes
STORED_BODY_MAX = 256 * 1024  # a longer answer is remembered by its status and headers only
# Headers a repeat needs to act as the first answer did (an htmx redirect, a new record's place;
# the answer is kept as sent, compressed for the phone that asked, which is the one asking again).
KEPT_HEADERS = frozenset(
    {b"content-type", b"content-encoding", b"vary", b"location", b"hx-redirect", b"hx-trigger", b"hx-refresh"}
)
_KEY = re.compile(r"[A-Za-z0-9_\-:.]{8,100}")
PURGED_PER_WRITE = 50  # expired keys deleted alongside each new one: no scheduled job needed


class _RollBack(Exception):
    """Leaves the write's transaction without committing it."""


class IdempotencyMiddleware:
    """Mounted on each write route an offline phone may send again (``middleware=[…]``); inert
    without the header, and absent from every other route (the scan page pays nothing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope) if scope["type"] == ScopeType.HTTP else None
        if key is None:  # a write without a key: as before keys existed
            await self.app(scope, receive, send)
            return
        request: Request = Request(scope, receive)
        viewer = await provide_viewer(request)
        if viewer is None:
            raise Unauthorized()
        if not _KEY.fullmatch(key):
            raise Invalid(
                "Idempotency-Key",
                "Mã chống gửi trùng (Idempotency-Key) phải dài 8-100 ký tự: chữ, số, - _ : .",
                "Idempotency-Key must be 8-100 characters: letters, digits, - _ : .",
            )
        body = await request.body()
        fingerprint = _fingerprint(cast(HTTPScope, scope), body)
        answer = Answer()
        try:
            async with write_transaction():
                stored = await _stored(viewer.user_id, key)
                if stored is None:
                    await self.app(scope, _replaying(body, receive), answer.keep)
                    if not 200 <= answer.status < 400:
                        raise _RollBack
                    if not await _remember(viewer.user_id, key, fingerprint, answer):
                        raise _RollBack  # a concurrent request with this key committed first
        except _RollBack:
            stored = await _stored(viewer.user_id, key)
            if stored is None and 400 <= answer.status < 500:
                async with write_transaction():
                    if await _remember(viewer.user_id, key, fingerprint, answer):
                        await answer.send_to(send)
                        return
                stored = await _stored(viewer.user_id, key)
        if stored is None:  # the answer just committed, or a 5xx (not remembered: try again)
            await answer.send_to(send)
            return
        if stored["fingerprint"] != fingerprint:
            raise Invalid(
                "Idempotency-Key",
                "Mã chống gửi trùng này đã dùng cho một yêu cầu khác: hãy tạo mã mới cho mỗi lần sửa.",
                "This Idempotency-Key was used for another request: make a new key for each change.",
            )
        await _replay(stored, send)


class Answer:
    """The handler's answer, held back until the transaction has committed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    async def keep(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.start":
            self.status, self.headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    async def send_to(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The request's body again for the handler (the middleware read it), then the client's events."""
    sent = False

    async def replay() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            return HTTPRequestEvent(type="http.request", body=body, more_body=False)
        return await receive()

    return replay


def _header(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"idempotency-key":
            return value.decode("latin-1").strip()
    return None


def _fingerprint(scope: HTTPScope, body: bytes) -> str:
    """The request's method, path, query and body; a multipart body's random boundary is replaced,
    so the same form sent again matches."""
    content_type = next((v for k, v in scope.get("headers", ()) if k == b"content-type"), b"")
    boundary = re.search(rb"boundary=\"?([^\";]+)", content_type)
    if boundary:
        body = body.replace(boundary.group(1), b"-")
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


async def _stored(user_id: int, key: str) -> dict | None:
    return (
        await IdempotentRequest.select()
        .where(
            (IdempotentRequest.user_id == user_id)
            & (IdempotentRequest.key == key)
            & (IdempotentRequest.expires_at > clock.now())
        )
        .first()
    )


async def _remember(user_id: int, key: str, fingerprint: str, answer: Answer) -> bool:
    """Record the key and its answer; False when the key is taken (a concurrent twin won)."""
    now = clock.now()
    expired = IdempotentRequest.select(IdempotentRequest.id).where(IdempotentRequest.expires_at <= now)
    await IdempotentRequest.delete().where(IdempotentRequest.id.is_in(expired.limit(PURGED_PER_WRITE)))
    # This key's expired record, if any; never a live one (a concurrent twin may just have committed).
    await IdempotentRequest.delete().where(
        (IdempotentRequest.user_id == user_id)
        & (IdempotentRequest.key == key)
        & (IdempotentRequest.expires_at <= now)
    )
    headers = {k.decode(): v.decode("latin-1") for k, v in answer.headers if k in KEPT_HEADERS}
    body = answer.body if len(answer.body) <= STORED_BODY_MAX else b""
    inserted = (
        await IdempotentRequest.insert(
            IdempotentRequest(
                user_id=user_id,
                key=key,
                fingerprint=fingerprint,
                status_code=answer.status,
                headers=json.dumps(headers),
                body=body,
                created_at=now,
                expires_at=now + KEEP_FOR,
            )
        )
        .on_conflict(target=(IdempotentRequest.user_id, IdempotentRequest.key), action="DO NOTHING")
        .returning(IdempotentRequest.id)
    )
    return bool(inserted)


async def _replay(stored: dict, send: Send) -> None:
    headers = [(k.encode(), v.encode("latin-1")) for k, v in json.loads(stored["headers"]).items()]
    body = bytes(stored["body"] or b"")
    headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
    await send(
        HTTPResponseStartEvent(type="http.response.start", status=stored["status_code"], headers=headers)
    )
    await send(HTTPResponseBodyEvent(type="http.response.body", body=body, more_body=False))
