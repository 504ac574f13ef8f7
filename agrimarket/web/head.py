"""HEAD on every GET route (RFC 9110 §9.3.2): the GET's status and headers, without the body.

Litestar's ``@get`` handlers do not answer HEAD, and routing happens before any app middleware,
so this wraps the whole application: a HEAD runs as the GET it mirrors (same routing, auth, errors
and ``content-length``), and the body is dropped on the way out. A handler whose GET has a side
effect a HEAD must not have (the scan page logs a scan) asks ``is_head``.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEAD = "agrimarket.head"  # the scope state key marking a HEAD run as GET


def is_head(request: Request) -> bool:
    """The request arrived as HEAD (its handler sees GET)."""
    return bool(request.scope["state"].get(HEAD))


def _answer_head(app: ASGIApp) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return
        scope["state"][HEAD] = True
        as_get: Any = {**scope, "method": "GET"}

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await app(as_get, receive, send_without_body)

    return handle


def answer_head(app: Litestar) -> Litestar:
    """Make ``app`` answer HEAD wherever it answers GET (outermost: before routing)."""
    app.asgi_handler = _answer_head(app.asgi_handler)
    return app
