"""The app's request class: JSON bodies are refused before decoding when nested too deep.

msgspec (and the standard json module) decode nested arrays and objects recursively, so 1,000
levels of ``[`` end in a RecursionError deep inside the decoder: a 500 with a traceback, on any
route, signed in or not. No body of ours nests more than a few levels, so a depth far above that
is refused as the client's error before the decoder runs.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request

from agrimarket.errors import DomainError

MAX_JSON_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)  # brackets inside strings do not nest
_OPEN = frozenset(b"[{")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class BadJson(DomainError):
    status_code = 400
    code = "bad_request"


def too_deep() -> BadJson:
    return BadJson(
        f"Dữ liệu JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} cấp).",
        f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels).",
    )


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects in ``body`` nest deeper than ``limit`` (strings skipped)."""
    if body.count(b"[") + body.count(b"{") <= limit:  # the common case: too few brackets to tell
        return False
    depth = 0
    for byte in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        depth = depth + 1 if byte in _OPEN else depth - 1
        if depth > limit:
            return True
    return False


class AppRequest(Request):
    """Litestar's Request, with the depth check in front of every JSON decode of a body."""

    async def json(self) -> Any:
        body = await self.body()
        if json_depth_exceeds(body):
            raise too_deep()
        try:
            return await super().json()
        except RecursionError:  # a body under the limit on a stack already deep: still the body's fault
            raise too_deep() from None
