"""The rule every file-upload API operation shares: the body must be multipart/form-data."""

from __future__ import annotations

from litestar.connection import ASGIConnection, Request
from litestar.enums import RequestEncodingType
from litestar.handlers import BaseRouteHandler

from agrimarket.errors import UnsupportedMedia


def multipart_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: any other Content-Type is a 415 (Litestar alone answers a bare 400 while parsing).

    A guard runs before the body is read, so a wrong upload costs no parsing.
    """
    assert isinstance(connection, Request)  # a guard of HTTP routes
    content_type, _options = connection.content_type
    if content_type != RequestEncodingType.MULTI_PART:
        raise UnsupportedMedia(
            "Hãy gửi tệp dưới dạng multipart/form-data.",
            f"Send the file as multipart/form-data, not {content_type or 'no Content-Type'}.",
        )
