"""Web pages: an issuance's progress and downloads; the public scan page."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
from jinja2 import Environment
from jinja2 import Template as JinjaTemplate
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from markupsafe import escape

from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError, Forbidden, Invalid, NotFound
from agrimarket.media.storage import Storage
from agrimarket.products import catalog
from agrimarket.settings import Settings
from agrimarket.text import ascii_int
from agrimarket.web.auth import client_address, provide_actor
from agrimarket.web.forms import form_error, form_values
from agrimarket.web.i18n import request_lang
from agrimarket.web.services import app_services
from traceability.batches.pages import detail_context
from traceability.settings import TraceabilitySettings
from traceability.stamps import digital_link, jobs, pins, public, review, revocation, serials, service
from traceability.stamps.scan import ScanResult
from traceability.stamps.scan_zh import ZH
from traceability.stamps.schemas import RevokeRequest
from traceability.stamps.throttle import scan_page_throttle, scan_throttle

SCAN_CSS = Path(__file__).resolve().parents[2] / "agrimarket" / "static" / "scan.css"
NO_STORE = {"Cache-Control": "no-store"}


@lru_cache
def scan_css() -> tuple[bytes, str]:
    data = SCAN_CSS.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


def revoke_request(values: dict, batch_id: int) -> RevokeRequest:
    """The batch page's revoke forms (scope one | range | batch) as the API's request."""
    scope, reason = values.get("scope"), values.get("reason", "")
    if scope == "one":
        if not values.get("serial", "").strip():
            raise Invalid(
                "serial", "Hãy nhập mã tem cần thu hồi.", "Enter the serial of the stamp to revoke."
            )
        return RevokeRequest(reason=reason, serial=values["serial"])
    if scope == "range":
        return RevokeRequest(
            reason=reason, from_serial=values.get("from_serial", ""), to_serial=values.get("to_serial", "")
        )
    if scope == "batch":
        if values.get("confirm") != "yes":
            raise Invalid(
                "confirm",
                "Hãy đánh dấu ô xác nhận để thu hồi toàn bộ tem của lô.",
                "Tick the box to confirm revoking every stamp of the batch.",
            )
        return RevokeRequest(reason=reason, batch_id=batch_id)
    raise Invalid("scope", "Hãy chọn cách thu hồi.", "Choose what to revoke.")


async def _link_offer(batch_id: int) -> dict[str, Any]:
    """The issue form offers a Digital Link QR (ticked by default) when the product has a GTIN."""
    return {"gtin": await digital_link.gtin_of(batch_id)}


class IssuePages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/stamps/issues/{issue_id:int}")
    async def issue_page(
        self, request: Request, viewer: Actor, issue_id: int, settings: Settings, storage: Storage
    ) -> Template:
        issue = await jobs.read_with_files(viewer, issue_id, settings, storage)
        name = (
            "traceability/stamps/_progress.html"
            if request.headers.get("hx-request")
            else "traceability/stamps/issue.html"
        )
        return Template(name, context={"viewer": viewer, "issue": issue}, headers=NO_STORE)

    @get("/batches/{batch_id:int}/stamps/new")
    async def new_form(self, viewer: Actor, batch_id: int) -> Template:
        await service.writable_batch(viewer, batch_id)
        context = {"viewer": viewer, "batch_id": batch_id, "values": {}, **await _link_offer(batch_id)}
        return Template("traceability/stamps/new.html", context=context)

    @post("/batches/{batch_id:int}/stamps/new")
    async def create(
        self, request: Request, viewer: Actor, batch_id: int, settings: Settings, storage: Storage
    ) -> Template | Redirect:
        """Create the stamps; small issuances are rendered before the redirect, large ones after it."""
        values = form_values(await request.form())
        try:
            count = ascii_int(values.get("count")) if values.get("count", "").strip() else 0
            if count is None:
                raise ValueError(values["count"])  # not a whole number in 0-9 digits
            label_size = values.get("label_size", "")
            with_pin = values.get("with_pin") in ("on", "1", "yes", "true")
            # The box is shown (ticked) only for a product with a GTIN; unticked sends nothing.
            link = values.get("digital_link") == "on" if values.get("digital_link_offered") else False
            issue_id = await jobs.issue(
                viewer,
                batch_id,
                count,
                label_size,
                settings,
                storage,
                with_pin=with_pin,
                digital_link_qr=link,
            )
        except ValueError:
            exc = DomainError("Số tem phải là số.", "The number of stamps must be a number.")
            exc.field_messages = {"count": (exc.message_vi, exc.message_en)}
            context = {
                "viewer": viewer,
                "batch_id": batch_id,
                "values": values,
                **await _link_offer(batch_id),
            }
            return form_error(request, "traceability/stamps/new.html", exc, context)
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            context = {
                "viewer": viewer,
                "batch_id": batch_id,
                "values": values,
                **await _link_offer(batch_id),
            }
            return form_error(request, "traceability/stamps/new.html", exc, context)
        return Redirect(f"/stamps/issues/{issue_id}")

    @post("/batches/{batch_id:int}/stamps/revoke")
    async def revoke(
        self, request: Request, viewer: Actor, batch_id: int, storage: Storage
    ) -> Template | Redirect:
        """One stamp, a range of serials or the whole batch, with a reason; back to the batch page."""
        await service.writable_batch(viewer, batch_id)  # 404 outside scope, 403 for readers
        values = form_values(await request.form())
        try:
            count = await revocation.revoke(viewer, revoke_request(values, batch_id), within_batch=batch_id)
        except DomainError as exc:
            lang = request_lang(request)
            context = await detail_context(
                viewer,
                batch_id,
                storage,
                revoke_message=exc.message(lang),
                revoke_errors=exc.fields(lang),
                revoke_values=values,
            )
            return Template("traceability/batches/detail.html", context=context, status_code=exc.status_code)
        return Redirect(f"/batches/{batch_id}?revoked={count}")

    @post("/batches/{batch_id:int}/scan-review")
    async def review_scans(
        self, request: Request, viewer: Actor, batch_id: int, settings: Settings, storage: Storage
    ) -> Template | Redirect:
        """The batch page's "Đã kiểm tra" form under the counterfeit warnings; back to the batch page."""
        values = form_values(await request.form())
        try:
            await review.review(
                viewer, batch_id, values.get("reason", ""), settings.section(TraceabilitySettings)
            )
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            lang = request_lang(request)
            context = await detail_context(
                viewer,
                batch_id,
                storage,
                scan_warnings=await review.warned_stamps(
                    viewer, batch_id, settings.section(TraceabilitySettings)
                ),
                review_message=exc.message(lang),
                review_values=values,
            )
            return Template("traceability/batches/detail.html", context=context, status_code=exc.status_code)
        return Redirect(f"/batches/{batch_id}?reviewed=1")


@lru_cache(maxsize=4)
def _page_globals(language: str) -> dict[str, Any]:
    """What every scan page in ``language`` shares (built once per language and process)."""
    translate = {
        "en": lambda vi, en: en,
        "zh": lambda vi, en: ZH.get(en, en),  # English where no Chinese text is kept
    }.get(language, lambda vi, en: vi)
    labels = "vi" if language == "vi" else "en"  # certification names: Vietnamese or English
    return {
        "lang": language,
        "html_lang": "zh-Hans" if language == "zh" else language,
        "t": translate,
        "cert": lambda key: catalog.label(catalog.CERTIFICATIONS, key, labels),
        "css": f"/t-assets/scan.css?v={scan_css()[1]}",
    }


def render_scan_page(request: Request, seen: ScanResult, settings: Settings, language: str) -> bytes:
    """The scan page. Only the serial and the scan count differ between the stamps of a batch, so the
    page is rendered once per language and warning, with markers where those two go, and kept
    with the batch's cached facts; a scan then joins the pieces around its own two values. The
    pieces are kept encoded: UTF-8 encoding a Vietnamese page cost more than joining it.

    Rendered here rather than through a Template response: the page is the busiest one (a QR scan)
    and needs neither the request nor a CSRF token in its context.
    """
    pages = seen.batch.pages
    key = (
        language,
        seen.revoked,
        seen.revoked_reason,
        seen.counterfeit,
        seen.counterfeit_reason,
        seen.has_pin,
    )
    pieces = pages.get(key)
    if pieces is None:
        assert request.app.template_engine is not None  # the app is built with its Jinja templates
        engine = request.app.template_engine.engine  # the app's Jinja environment (autoescape, globals)
        trace = msgspec.structs.replace(public.to_trace(seen, settings, language), scan_count=_COUNT)
        html = _template(engine, "traceability/scan/scan.html").render(
            _page_globals(language), s=trace, seen=seen, facts=seen.batch.facts, grouped=_SERIAL
        )
        # The serial shows in the heading and as the traceability code; the count comes after both.
        *heads, rest = html.encode().split(_SERIAL_BYTES)
        middle, after = rest.split(_COUNT_BYTES)
        pieces = pages[key] = (heads, middle, after)
    heads, middle, after = pieces
    serial = str(escape(public.grouped(seen.serial))).encode()
    return b"%b%b%b%d%b" % (serial.join(heads), serial, middle, seen.scan_count, after)


# Markers no page text can hold (a revocation reason is typed by a user): NUL and a random token.
_SERIAL, _COUNT = (f"\x00{name}-{secrets.token_hex(8)}\x00" for name in ("serial", "count"))
_SERIAL_BYTES, _COUNT_BYTES = _SERIAL.encode(), _COUNT.encode()


@lru_cache(maxsize=8)
def _template(engine: Environment, name: str) -> JinjaTemplate:
    # Loaded once per app: Jinja's own lookup checks the file's modification time on every call.
    return engine.get_template(name)


class ScanPages(Controller):
    include_in_schema = False

    # A public page with no form and no session: no CSRF cookie to mint and set on every scan.
    @get(["/t/{serial:str}", "/T/{serial:str}"], opt={"exclude_from_csrf": True})
    async def scan_page(
        self,
        request: Request,
        serial: str,
        lang: str | None = None,
    ) -> Response[bytes] | Template:
        # Nothing injected, the throttle called: see agrimarket.web.services.
        settings, storage = app_services(request.app)
        await scan_page_throttle(request, settings, serial)  # free when the resolver sent the client here
        language = public.page_lang(request, lang)
        try:
            seen = await public.lookup(request, serial, settings, storage)
        except NotFound:
            return Template(
                "traceability/scan/not_found.html",
                context=_page_globals(language),
                status_code=404,
                headers=NO_STORE,
            )
        return Response(
            render_scan_page(request, seen, settings, language),
            media_type=MediaType.HTML,
            headers=NO_STORE,
        )

    # No CSRF token: the scan page sets no cookie (it is the busiest page), and this form has no
    # session or authority a forged post could borrow. Posts from other sites are refused instead.
    @post(["/t/{serial:str}", "/T/{serial:str}"], opt={"exclude_from_csrf": True}, status_code=200)
    async def check_pin(self, request: Request, serial: str, lang: str | None = None) -> Template:
        """The scratch-off PIN form: the first correct entry is recorded, later ones show when."""
        settings, _ = app_services(request.app)
        await scan_throttle(request, settings)
        language = public.page_lang(request, lang)
        canonical = serials.normalise(serial) or serial[:26]
        context: dict[str, Any] = {
            **_page_globals(language),
            "grouped": serials.grouped(canonical),
            "back": f"/t/{canonical}" + ("" if language == "vi" else f"?lang={language}"),
        }
        try:
            if _cross_site(request, settings.public_base_url):
                raise Forbidden(
                    "Hãy nhập mã PIN trên trang truy xuất của tem.", "Enter the PIN on the stamp's own page."
                )
            values = form_values(await request.form())
            store = request.app.stores.get(pins.STORE)
            address = client_address(request)
            verified = await pins.verify(
                store, serial, values.get("pin", ""), address, settings.section(TraceabilitySettings)
            )
        except NotFound:
            return Template(
                "traceability/scan/not_found.html",
                context=_page_globals(language),
                status_code=404,
                headers=NO_STORE,
            )
        except DomainError as exc:
            context |= {"message": exc.message(language), "verified": False, "retry": exc.status_code == 422}
            return Template(
                "traceability/scan/pin.html",
                context=context,
                status_code=exc.status_code,
                headers=NO_STORE | (exc.headers or {}),
            )
        context |= {
            "message": pins.verified_message(verified, language),
            "verified": True,
            "first": verified.first,
            "revoked": verified.revoked_reason is not None,
            "retry": False,
        }
        return Template("traceability/scan/pin.html", context=context, headers=NO_STORE)


def _cross_site(request: Request, public_base_url: str) -> bool:
    """A form posted from another site: browsers say so in Sec-Fetch-Site, or in Origin."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None:  # not sent by old browsers and scripts; a script needs no victim's browser
        return False
    ours = {request.headers.get("host", ""), urlsplit(public_base_url).netloc}
    return urlsplit(origin).netloc not in ours


@get("/t-assets/scan.css", include_in_schema=False)
async def scan_stylesheet() -> Response[bytes]:
    """The scan page's stylesheet; its URL carries the content hash, so it is cached for a year."""
    data, _ = scan_css()
    return Response(
        data, media_type="text/css", headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )
