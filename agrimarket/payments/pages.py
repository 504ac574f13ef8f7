"""The bank-account page (phone form) and the VietQR image of a product's price."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError, NotFound
from agrimarket.payments import service, vietqr
from agrimarket.payments.banks import transfer_banks
from agrimarket.payments.schemas import BankAccountWrite
from agrimarket.products.service import public_product
from agrimarket.web.auth import provide_actor
from agrimarket.web.conditional import conditional, strong_etag
from agrimarket.web.forms import form_error, form_values
from agrimarket.web.services import app_services


class BankAccountPages(Controller):
    path = "/bank-account"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    async def _context(self, viewer: Actor, values: dict | None = None) -> dict:
        account = await service.get_account(viewer)
        if values is None:
            values = (
                {f: getattr(account, f) for f in ("bank_bin", "account_number", "account_name")}
                if account
                else {}
            )
        return {"viewer": viewer, "account": account, "values": values, "banks": transfer_banks().values()}

    @get("/")
    async def show(self, viewer: Actor, saved: bool = False) -> Template:
        return Template("payments/bank_account.html", context={**await self._context(viewer), "saved": saved})

    @post("/")
    async def save(self, request: Request, viewer: Actor) -> Template | Redirect:
        values = form_values(await request.form())
        data = BankAccountWrite(
            bank_bin=values.get("bank_bin", ""),
            account_number=values.get("account_number", ""),
            account_name=values.get("account_name", ""),
        )
        try:
            await service.set_account(viewer, data)
        except DomainError as exc:
            return form_error(request, "payments/bank_account.html", exc, await self._context(viewer, values))
        return Redirect("/bank-account?saved=1")

    @post("/remove")
    async def remove(self, viewer: Actor) -> Redirect:
        await service.remove_account(viewer)
        return Redirect("/bank-account")


@get("/p/{product_id:int}/vietqr.png", include_in_schema=False)
async def vietqr_image(request: Request, product_id: int) -> Response[bytes]:
    """A VietQR code for one unit at the current price: any Vietnamese banking app pays it."""
    settings, storage = app_services(request.app)  # as the product page it sits on
    try:
        # The same read as the public page, so the code always pays the account the page names.
        product, pay_to = await public_product(product_id, storage, settings.public_base_url)
    except NotFound:
        pay_to = None
    if pay_to is None:
        raise NotFound("Sản phẩm này chưa nhận chuyển khoản.", "This product takes no bank transfers.")
    content = vietqr.payload(
        pay_to.bank_bin, pay_to.account_number, product.price_vnd, vietqr.purpose_of(product_id)
    )
    # Short max-age: a new price or account must reach buyers soon; the ETag makes rechecks cheap.
    headers = {"Cache-Control": "public, max-age=60"}
    etag = strong_etag(content.encode())  # of the payload: a 304 draws no QR
    return conditional(request, etag, headers, lambda: vietqr.png(content), "image/png")
