"""HEAD on every GET route (RFC 9110 §9.3.2), and an ``Allow`` header that names every method.

Litestar's ``@get`` handlers do not answer HEAD, and routing happens before any app middleware,
so this wraps the whole application: a HEAD runs as the GET it mirrors (same routing, auth, errors
and ``content-length``), and the body is dropped on the way out. A handler whose GET has a side
effect a HEAD must not have (the scan page logs a scan) asks ``is_head``.

The same wrapper writes ``Allow`` on OPTIONS and 405 answers (RFC 9110 §10.2.1): every method the
path has across all its handlers, HEAD wherever GET is. Litestar 2's own OPTIONS answer names only
the methods registered before it was made (litestar-org/litestar#4169, fixed in 3), so a
controller's ``@get`` and ``@put`` on one path answered ``Allow: GET, OPTIONS``.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

HEAD = "agrimarket.head"  # the scope state key marking a HEAD run as GET


def is_head(request: Request) -> bool:
    """The request arrived as HEAD (its handler sees GET)."""
    return bool(request.scope["state"].get(HEAD))


def allowed_methods(methods: set[str] | frozenset[str]) -> str:
    """The ``Allow`` value for a path serving ``methods``: with OPTIONS, and HEAD wherever GET is."""
    allowed = {*methods, "OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return ", ".join(sorted(allowed))


def route_methods(app: Litestar) -> dict[str, str]:
    """Per path (as Litestar's ``path_template``), its ``Allow`` value over all its handlers."""
    methods: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            methods.setdefault(route.path_format, set()).update(route.methods)
    return {path: allowed_methods(served) for path, served in methods.items()}


def _with_allow(message: HTTPResponseStartEvent, value: str) -> HTTPResponseStartEvent:
    headers = [(name, v) for name, v in message.get("headers", []) if name.lower() != b"allow"]
    return {**message, "headers": [*headers, (b"allow", value.encode())]}


def _listed(message: HTTPResponseStartEvent) -> set[str]:
    """The methods of the ``Allow`` header Litestar's router put on a 405 (all of the path's)."""
    values = [v.decode() for name, v in message.get("headers", []) if name.lower() == b"allow"]
    return {method.strip() for value in values for method in value.split(",") if method.strip()}


def _answer_head(app: ASGIApp, allow: dict[str, str]) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope["state"][HEAD] = True
        routed: Any = {**scope, "method": "GET"} if head else scope

        async def send_answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 405:
                    message = _with_allow(message, allowed_methods(_listed(message)))
                elif scope["method"] == "OPTIONS" and routed.get("path_template") in allow:
                    message = _with_allow(message, allow[routed["path_template"]])
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await app(routed, receive, send_answer)

    return handle


def answer_head(app: Litestar) -> Litestar:
    """Make ``app`` answer HEAD wherever it answers GET, and name every method in ``Allow``
    (outermost: before routing)."""
    app.asgi_handler = _answer_head(app.asgi_handler, route_methods(app))
    return app
