"""How a simulator answers beyond the happy path: the shared error body, and a write's answer cut
off mid-body when a drop fault was played (``DROP_HEADER`` marks it, ``DropMiddleware`` cuts it).
"""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

DROP_HEADER = "x-sim-drop"


def error(
    status: int, code: str, message_vi: str, message_en: str, retry_after: float | None = None
) -> Response:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    body = {"error": {"code": code, "message": message_en, "message_vi": message_vi}}
    return Response(body, status_code=status, headers=headers)


class DropMiddleware:
    """Turns a response marked DROP_HEADER into a connection cut mid-body (the client gets no answer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        dropping = False

        async def guarded(message: Any) -> None:
            nonlocal dropping
            if message["type"] == "http.response.start":
                dropping = any(k.decode().lower() == DROP_HEADER for k, _ in message.get("headers", []))
                if dropping:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [(b"content-length", b"1000")],
                        }
                    )
                    await send({"type": "http.response.body", "body": b"{", "more_body": True})
                    return
            if dropping:
                return
            await send(message)

        await self.app(scope, receive, guarded)
        if dropping:
            raise ConnectionAbortedError("simulated drop after commit")
