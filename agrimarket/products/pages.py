"""Web pages for products: my products, the one-screen listing form, one-tap edits, public page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from agrimarket.accounts.actor import Actor, Role
from agrimarket.cooperatives.service import list_members
from agrimarket.errors import DomainError
from agrimarket.media.images import MAX_UPLOAD_BYTES
from agrimarket.media.storage import Storage
from agrimarket.payments.banks import transfer_banks
from agrimarket.ports import current as query_ports
from agrimarket.products import service
from agrimarket.products.photos import MAX_PHOTOS, create_with_photos
from agrimarket.products.schemas import PayTo, ProductRead
from agrimarket.settings import Settings
from agrimarket.text import ascii_int
from agrimarket.web.auth import provide_actor, provide_viewer
from agrimarket.web.forms import form_error, form_values
from agrimarket.web.i18n import request_lang
from agrimarket.web.idempotency import IdempotencyMiddleware
from agrimarket.web.page_cache import PageCache
from agrimarket.web.services import app_services

# The phone form sends the product and all its photos at once.
FORM_REQUEST_LIMIT = MAX_PHOTOS * MAX_UPLOAD_BYTES + 256 * 1024


async def _members(actor: Actor) -> list | None:
    if actor.role == Role.COOP_MANAGER and actor.cooperative_id:
        return await list_members(actor, actor.cooperative_id)
    return None


ANSWER_FIELD = "attr:"


async def _form_context(viewer: Actor, values: dict) -> dict:
    """The product form: its values, the members a manager lists for, and what the marketplaces ask."""
    return {
        "viewer": viewer,
        "values": values,
        "members": await _members(viewer),
        "extra_fields": await query_ports().marketplace_fields(viewer),
        "answer_field": ANSWER_FIELD,
    }


class ProductPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/products")
    async def my_products(
        self, viewer: Actor, storage: Storage, settings: Settings, created: int | None = None
    ) -> Template:
        products = await service.list_products(viewer, storage, settings.public_base_url)
        context = {
            "viewer": viewer,
            "products": products,
            "created": created,
            "show_owner": viewer.role != Role.HOUSEHOLD,
        }
        context |= await query_ports().listing_cards(viewer, [p.id for p in products])
        return Template("products/list.html", context=context)

    @get("/products/new")
    async def new_form(self, viewer: Actor, owner: int | None = None) -> Template:
        values = {"owner": str(owner) if owner else ""}
        return Template("products/new.html", context=await _form_context(viewer, values))

    @post("/products/new", request_max_body_size=FORM_REQUEST_LIMIT, middleware=[IdempotencyMiddleware])
    async def create(self, request: Request, viewer: Actor, storage: Storage) -> Template | Redirect:
        form = await request.form()
        values = form_values(form, lists=("certifications",))
        # A form without a file field (no photo chosen, or a script) has no "photos" key at all.
        uploads = [
            await f.read() for f in form.getall("photos", []) if isinstance(f, UploadFile) and f.filename
        ]
        owner = ascii_int(values.pop("owner", None)) if values.get("owner") else None
        values.pop("_csrf_token", None)
        # The marketplaces' questions arrive as "attr:<key>" fields (ports.ExtraField).
        values["marketplace_attributes"] = {
            name.removeprefix(ANSWER_FIELD): values.pop(name)
            for name in [n for n in values if n.startswith(ANSWER_FIELD)]
        }
        try:
            # A chosen file that arrives empty is refused (422), not dropped: the farmer expects a photo.
            product_id = await create_with_photos(viewer, values, uploads, storage, owner)
        except DomainError as exc:
            values["owner"] = str(owner or "")
            return form_error(request, "products/new.html", exc, await _form_context(viewer, values))
        return Redirect(f"/products?created={product_id}")

    async def _card(
        self,
        request: Request,
        viewer: Actor,
        product_id: int,
        change: Callable[[], Awaitable[None]],
        storage: Storage,
        settings: Settings,
    ) -> Template:
        """Apply a one-tap change and answer with the re-drawn card (htmx swaps it in place)."""
        message, status = None, 200
        try:
            await change()
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            message, status = exc.message(request_lang(request)), exc.status_code
        product = await service.get_product(viewer, product_id, storage, settings.public_base_url)
        context = {"p": product, "card_message": message, "show_owner": viewer.role != Role.HOUSEHOLD}
        context |= await query_ports().listing_cards(viewer, [product_id])
        return Template("products/_card.html", context=context, status_code=status)

    @post("/products/{product_id:int}/stock", middleware=[IdempotencyMiddleware])
    async def change_stock(
        self, request: Request, viewer: Actor, product_id: int, storage: Storage, settings: Settings
    ) -> Template:
        values = form_values(await request.form())
        delta = ascii_int(values.get("delta")) or 0

        async def change() -> None:
            await service.adjust_stock(viewer, product_id, delta)

        return await self._card(request, viewer, product_id, change, storage, settings)

    @post("/products/{product_id:int}/price", middleware=[IdempotencyMiddleware])
    async def change_price(
        self, request: Request, viewer: Actor, product_id: int, storage: Storage, settings: Settings
    ) -> Template:
        values = form_values(await request.form())

        async def change() -> None:
            await service.update_product(viewer, product_id, {"price_vnd": values.get("price_vnd")})

        return await self._card(request, viewer, product_id, change, storage, settings)


class PublicProductPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_viewer)}

    @get("/p/{product_id:int}")
    async def public_page(
        self, request: Request, viewer: Actor | None, product_id: int
    ) -> Template | Response[bytes]:
        settings, storage = app_services(request.app)  # not injected: see agrimarket.web.services
        rows = await service.public_rows(product_id)
        key = _content_key(request, rows)
        if viewer is None and (page := _ANONYMOUS.get(key)) is not None:
            return Response(_with_token(page, request), media_type=MediaType.HTML)
        product, pay_to = service.public_view(rows, storage, settings.public_base_url)
        listings = {product_id: query_ports().listings_in_rows(rows)}  # where to buy
        content = _public_content(key, request, product, pay_to, listings)
        context = {"viewer": viewer, "p": product, "content": content}
        if viewer is not None:
            return Template("products/public.html", context=context)
        return Response(
            _with_token(_render_anonymous_page(key, request, context), request), media_type=MediaType.HTML
        )


# Keyed by all they show, so a change renders afresh at once; the age only bounds what is kept.
_CONTENT: PageCache[bytes, Markup] = PageCache(size=2000, max_age=3600)  # the public page's content
# The whole page as a visitor who is not logged in sees it, split where their CSRF token goes.
# Kept encoded: UTF-8 encoding the Vietnamese page cost more than joining it.
_ANONYMOUS: PageCache[bytes, tuple[bytes, bytes]] = PageCache(size=2000, max_age=3600)
# Where the token goes: no text from a farmer can hold it, since autoescaping turns their "<" into "&lt;".
_TOKEN_MARK = Markup("<csrf>")


def _render_anonymous_page(key: bytes, request: Request, context: dict) -> tuple[bytes, bytes]:
    """Only the CSRF token differs between two visitors who are not logged in (the page, path and
    language are in ``key``), so the whole page is rendered once per key, like the scan page's, and
    kept split where the token goes."""
    assert request.app.template_engine is not None  # the app is built with its Jinja templates
    template = request.app.template_engine.get_template("products/public.html")
    html = template.render(**context, request=request, csrf_token=lambda: _TOKEN_MARK, csrf_input="")
    before, _, after = html.partition(_TOKEN_MARK)
    return _ANONYMOUS.put(key, (before.encode(), after.encode()))


def _with_token(pieces: tuple[bytes, bytes], request: Request) -> bytes:
    token = str(escape(ScopeState.from_scope(request.scope).csrf_token)).encode()
    return b"%b%b%b" % (pieces[0], token, pieces[1])


def _content_key(request: Request, rows: Sequence[Mapping]) -> bytes:
    """What the page shows: the language and the rows it is built from (product, photos, owner,
    bank account, listings), so any change to them renders afresh."""
    return msgspec.json.encode((request_lang(request), [tuple(row.values()) for row in rows]))


def _public_content(
    key: bytes, request: Request, product: ProductRead, pay_to: PayTo | None, listings: dict
) -> Markup:
    """The public page's content, rendered once per product state, listings and language.

    Keyed by everything it shows (``key``), so a changed price or a new listing renders afresh at
    once; a logged-in visitor's frame (their menu and CSRF token) is rendered around it per request.
    """
    content = _CONTENT.get(key)
    if content is None:
        assert request.app.template_engine is not None  # the app is built with its Jinja templates
        template = request.app.template_engine.get_template("products/_public_content.html")
        bank = transfer_banks().get(pay_to.bank_bin) if pay_to else None
        html = template.render(request=request, p=product, pay_to=pay_to, bank=bank, listings=listings)
        content = _CONTENT.put(key, Markup(html))  # noqa: S704 - the autoescaping environment's output
    return content
