"""The bank-account page (phone form) and the VietQR image of a product's price."""

from __future__ import annotations

import hashlib

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import DomainError, NotFound
from agrimarket.payments import service, vietqr
from agrimarket.payments.banks import transfer_banks
from agrimarket.payments.schemas import BankAccountWrite
from agrimarket.tables import Product
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values


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


# The active product's price and its owner's account (the household's, else the cooperative's).
_PAYMENT_SQL = """
SELECT p.id, p.price_vnd, COALESCE(bh.bank_bin, bc.bank_bin) AS bank_bin,
  COALESCE(bh.account_number, bc.account_number) AS account_number
FROM product p
LEFT JOIN bank_account bh ON bh.owner_household = p.owner_household
LEFT JOIN bank_account bc ON bc.owner_cooperative = p.owner_cooperative
WHERE p.id = {} AND p.status = 'active'
"""


@get("/p/{product_id:int}/vietqr.png", include_in_schema=False)
async def vietqr_image(request: Request, product_id: int) -> Response[bytes]:
    """A VietQR code for one unit at the current price: any Vietnamese banking app pays it."""
    rows = await Product.raw(_PAYMENT_SQL, product_id)
    if not rows or not rows[0]["bank_bin"]:
        raise NotFound("Sản phẩm này chưa nhận chuyển khoản.", "This product takes no bank transfers.")
    row = rows[0]
    content = vietqr.payload(
        row["bank_bin"], row["account_number"], row["price_vnd"], vietqr.purpose_of(product_id)
    )
    etag = '"' + hashlib.sha256(content.encode()).hexdigest()[:32] + '"'
    # Short max-age: a new price or account must reach buyers soon; the ETag makes rechecks cheap.
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(vietqr.png(content), media_type="image/png", headers=headers)
