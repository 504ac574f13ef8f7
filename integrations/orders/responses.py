"""File responses of the order desk's routes, shared by the pages and the API."""

from __future__ import annotations

from litestar import Response


def pdf_response(pdf: bytes, filename: str) -> Response[bytes]:
    """A PDF the phone opens in its viewer (to print or share), kept by no shared cache."""
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
