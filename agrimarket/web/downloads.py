"""A file to save (CSV, spreadsheet, JSON): one shape for every download of the three apps."""

from __future__ import annotations

from litestar import Response


def attachment_headers(name: str) -> dict[str, str]:
    """Saved as ``name``; never kept by a shared cache, since most downloads carry personal data."""
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"}


def attachment(body: bytes, media_type: str, name: str) -> Response[bytes]:
    """``body`` saved as ``name`` (see ``attachment_headers``)."""
    return Response(body, media_type=media_type, headers=attachment_headers(name))
