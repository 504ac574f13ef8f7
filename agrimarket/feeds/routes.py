"""``/feeds/{owner}/products.json|csv|xml``: public, cached, conditional (ETag)."""

from __future__ import annotations

from litestar import Request, Response, get

from agrimarket.feeds.service import feed
from agrimarket.web.conditional import conditional
from agrimarket.web.services import app_services

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xml": "application/rss+xml; charset=utf-8",
}


async def _answer(request: Request, owner: str, fmt: str) -> Response[bytes]:
    settings, storage = app_services(request.app)
    built = await feed(owner, fmt, storage, settings.public_base_url)
    headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    if fmt == "csv":
        headers["Content-Disposition"] = f'inline; filename="{owner}-products.csv"'
    return conditional(request, built.etag, headers, lambda: built.body, MEDIA_TYPES[fmt])


@get("/feeds/{owner:str}/products.json", tags=["feeds"], summary="A seller's live products (JSON)")
async def feed_json(request: Request, owner: str) -> Response[bytes]:
    """Owner: ``h{household id}`` or ``c{cooperative id}``. Honours ``If-None-Match``."""
    return await _answer(request, owner, "json")


@get("/feeds/{owner:str}/products.csv", tags=["feeds"], summary="A seller's live products (CSV)")
async def feed_csv(request: Request, owner: str) -> Response[bytes]:
    return await _answer(request, owner, "csv")


@get(
    "/feeds/{owner:str}/products.xml",
    tags=["feeds"],
    summary="A seller's live products (RSS, Google Merchant)",
)
async def feed_rss(request: Request, owner: str) -> Response[bytes]:
    return await _answer(request, owner, "xml")


FEED_ROUTES = [feed_json, feed_csv, feed_rss]
