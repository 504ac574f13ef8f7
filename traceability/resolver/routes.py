"""Routes of the resolver: Digital Link URIs under /01/ and the description file."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import MediaType, Request, Response, get, route
from litestar.response import Template

from agrimarket.errors import DomainError
from agrimarket.web.i18n import choose_lang
from agrimarket.web.services import app_services
from traceability.resolver import service
from traceability.stamps.throttle import prepay_scan_page, scan_throttle

METHODS = "GET, HEAD, OPTIONS"
# Any web page or app may ask a resolver (resolver standard: CORS), and read where it points.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": METHODS,
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link, Location",
}


def _error(request: Request, exc: DomainError) -> Response:
    """400/404 with CORS headers: JSON for programs, the error page for people."""
    accept = request.headers.get("accept", "")
    lang = choose_lang(request, cookie=False)  # a program's request: Accept-Language only
    headers = {**CORS, **service.NEGOTIATED}
    if "json" in accept:
        body = {"error": {"code": exc.code, "message": exc.message(lang), "fields": exc.fields(lang)}}
        return Response(body, status_code=exc.status_code, media_type=MediaType.JSON, headers=headers)
    context = {"status": exc.status_code, "message": exc.message(lang)}
    return Template("error.html", context=context, status_code=exc.status_code, headers=headers)


# Public and cookie-free: nothing here changes state, so there is no CSRF cookie to mint.
@route(
    "/01/{tail:path}",
    http_method=["GET", "HEAD", "OPTIONS"],
    include_in_schema=False,
    opt={"exclude_from_csrf": True},
)
async def resolve(request: Request) -> Response:
    """A GS1 Digital Link URI: 307 to the asked (or default) link, or the linkset; 400 / 404."""
    settings, _ = app_services(request.app)
    raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.scope["path"]
    if request.method == "OPTIONS":  # no lookup: the Link names the linkset of the URI as asked
        linkset = service.options_headers(raw_path, settings.public_base_url)
        return Response(None, status_code=204, headers={**CORS, "Allow": METHODS, **linkset})
    await scan_throttle(request, settings)  # a lookup by serial, limited like the scan page
    try:
        found = await service.answer(
            raw_path,
            request.scope.get("query_string", b"").decode("latin-1"),
            request.headers.get("accept", ""),
            request.headers.get("accept-language", ""),
            settings.public_base_url,
        )
    except DomainError as exc:
        return _error(request, exc)
    _, to_scan_page, serial = urlsplit(found.headers.get("Location", "")).path.rpartition("/t/")
    if found.status == 307 and to_scan_page and serial and "/" not in serial:
        prepay_scan_page(request, settings, serial)  # one buyer's scan counts once, here
    return Response(  # a HEAD runs as GET; agrimarket.web.head drops the body
        found.body, status_code=found.status, media_type=found.media_type, headers={**CORS, **found.headers}
    )


@get("/.well-known/gs1resolver", include_in_schema=False, opt={"exclude_from_csrf": True})
async def description(request: Request) -> Response:
    """The resolver description file (resolver standard: SHALL be at this well-known place)."""
    settings, _ = app_services(request.app)
    headers = {**CORS, "Cache-Control": "public, max-age=3600"}
    return Response(service.description(settings.public_base_url), media_type=MediaType.JSON, headers=headers)


ROUTES: list = [resolve, description]
