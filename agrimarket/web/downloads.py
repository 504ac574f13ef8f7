"""A file to save (CSV, spreadsheet, JSON): one shape for every download of the three apps."""

from __future__ import annotations

from litestar import Response


def attachment(body: bytes, media_type: str, name: str) -> Response[bytes]:
    """``body`` saved as ``name``; never kept by a shared cache, since most carry personal data."""
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
