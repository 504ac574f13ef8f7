"""Lazada Open Platform simulator: the calls ``integrations.adapters.lazada`` documents, signed and
answered as Lazada does (``lazada_auth``), with faults, a rate limit, a storefront and the consent
page of Lazada's seller authorization. Orders: ``lazada_orders`` (the wire format of GetOrders);
the order desk (Pack, ReadyToShip, PrintAWB, cancel): ``lazada_desk``.

Errors come in Lazada's shape, ``{"type", "code", "message", "request_id"}``. Payloads are read
as JSON (Lazada takes JSON or XML; we send JSON).
"""

from __future__ import annotations

import hmac
import html
import json
import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import Redirect

from integrations.adapters import lazada_auth as auth
from integrations.simulators.base import play_write
from integrations.simulators.credentials import lazada_demo_code
from integrations.simulators.lazada_desk import desk_routes
from integrations.simulators.lazada_items import item_writes
from integrations.simulators.lazada_orders import order_routes
from integrations.simulators.lazada_state import LazadaConfig, LazadaState, failure, lazada_shape, ok, render
from integrations.simulators.public import public_routes
from integrations.simulators.responses import DropMiddleware

TITLE = "Lazada"

CONFIG = LazadaConfig  # the config type integrations.plugin mounts this simulator with


def create_app(config: LazadaConfig | None = None) -> Litestar:
    state = LazadaState(config or LazadaConfig())

    async def params_of(request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            params |= dict(await request.form())
        return params

    async def signed(request: Request, path: str, seller_call: bool = True):
        """(params, seller id) of a correctly signed call, or Lazada's refusal."""
        limited = state.admit()
        if limited:
            return lazada_shape(state, limited)
        params = await params_of(request)
        texts = {k: str(v) for k, v in params.items() if not isinstance(v, UploadFile)}
        secret = state.app_secret(texts.get("app_key", ""))
        if secret is None:
            return failure(state, "InvalidAppKey", "Specified app key is invalid")
        if texts.get("sign_method") != auth.SIGN_METHOD or not hmac.compare_digest(
            texts.get("sign", ""), auth.sign(secret, path, {k: v for k, v in texts.items() if k != "sign"})
        ):
            return failure(
                state, "IncompleteSignature", "The request signature does not conform to lazada standards"
            )
        try:
            stamp = int(texts.get("timestamp", "")) / 1000
        except ValueError:
            stamp = 0
        if abs(stamp - state.now()) > auth.TIMESTAMP_WINDOW_S:
            return failure(state, "InvalidTimestamp", "Timestamp is invalid or expired")
        if not seller_call:
            return texts, ""
        owner = state.tokens.get(texts.get("access_token", ""))
        if owner is None or owner[0] != texts["app_key"] or owner[2] < state.now():
            return failure(state, "IllegalAccessToken", "The specified access token is invalid or expired")
        return texts | {"_files": params}, owner[1]

    def token_answer(app_key: str, seller: str) -> dict:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        state.tokens[access] = (app_key, seller, state.now() + state.config.access_ttl_s)
        state.refresh[refresh] = (app_key, seller, state.now() + state.config.refresh_ttl_s)
        return {
            "access_token": access, "refresh_token": refresh, "expires_in": state.config.access_ttl_s,
            "refresh_expires_in": state.config.refresh_ttl_s, "country": "vn", "account_platform": "seller_center",
            "account": f"{seller}@seller.lazada.vn",
            "country_user_info": [{"country": "vn", "seller_id": seller, "user_id": seller, "short_code": f"VN{seller}"}],
            "code": "0", "request_id": state.request_id(),
        }  # fmt: skip

    @post([auth.TOKEN_CREATE, "/rest" + auth.TOKEN_CREATE])
    async def token_create(request: Request) -> Response:
        got = await signed(request, auth.TOKEN_CREATE, seller_call=False)
        if isinstance(got, Response):
            return got
        params, _ = got
        code, app_key = params.get("code", ""), params["app_key"]
        seller = code.split("_")[1] if code.count("_") >= 2 else ""
        if not seller or code in state.used_codes or code != lazada_demo_code(app_key, seller):
            return failure(state, "InvalidCode", "Invalid authorization code")
        state.used_codes.add(code)
        return Response(token_answer(app_key, seller))

    @post([auth.TOKEN_REFRESH, "/rest" + auth.TOKEN_REFRESH])
    async def token_refresh(request: Request) -> Response:
        got = await signed(request, auth.TOKEN_REFRESH, seller_call=False)
        if isinstance(got, Response):
            return got
        params, _ = got
        owner = state.refresh.get(params.get("refresh_token", ""))
        if owner is None or owner[0] != params["app_key"] or owner[2] < state.now():
            return failure(state, "IllegalRefreshToken", "The specified refresh token is invalid or expired")
        state.renewals += 1
        return Response(token_answer(owner[0], owner[1]))

    @get(auth.AUTHORIZE_PATH)
    async def consent(
        client_id: str,
        redirect_uri: str,
        seller_id: str = "",
        oauth_state: Annotated[str, Parameter(query="state")] = "",
    ) -> Response:
        """Lazada's consent page, simulated: the seller names the shop and authorizes our app; the
        redirect back carries ``code`` and the ``state`` it was given."""
        if not seller_id:
            hidden = "".join(
                f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                for name, value in (
                    ("client_id", client_id),
                    ("redirect_uri", redirect_uri),
                    ("state", oauth_state),
                )
            )
            page = (
                '<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
                "<title>Lazada — ủy quyền</title><h1>Lazada (mô phỏng): ủy quyền ứng dụng</h1>"
                f'<form method="get">{hidden}'
                '<label>Mã người bán (seller ID) <input name="seller_id" inputmode="numeric" required></label>'
                "<button>Đồng ý ủy quyền / Authorize</button></form></html>"
            )
            return Response(page, media_type="text/html")
        back = {"code": lazada_demo_code(client_id, seller_id), "state": oauth_state, "seller_id": seller_id}
        joiner = "&" if "?" in redirect_uri else "?"
        return Redirect(f"{redirect_uri}{joiner}{urlencode(back)}")

    async def write(request: Request, path: str, change) -> Response:
        got = await signed(request, path)
        if isinstance(got, Response):
            return got
        params, seller = got
        return lazada_shape(state, await play_write(state, None, lambda: change(params, seller)))

    writes = item_writes(state)

    @post("/product/create")
    async def product_create(request: Request) -> Response:
        return await write(request, "/product/create", writes["/product/create"])

    @post("/product/update")
    async def product_update(request: Request) -> Response:
        return await write(request, "/product/update", writes["/product/update"])

    @post("/product/price_quantity/update")
    async def product_price_quantity(request: Request) -> Response:
        return await write(
            request, "/product/price_quantity/update", writes["/product/price_quantity/update"]
        )

    @post("/product/deactivate")
    async def product_deactivate(request: Request) -> Response:
        return await write(request, "/product/deactivate", writes["/product/deactivate"])

    @post("/image/migrate")
    async def image_migrate(request: Request) -> Response:
        return await write(request, "/image/migrate", writes["/image/migrate"])

    @post("/image/upload")
    async def image_upload(request: Request) -> Response:
        """UploadImage: the file part ``image`` (not signed, as the SDK sends it)."""
        got = await signed(request, "/image/upload")
        if isinstance(got, Response):
            return got
        image = got[0]["_files"].get("image")
        if not isinstance(image, UploadFile) or (await image.read())[:3] not in (b"\xff\xd8\xff", b"\x89PN"):
            return failure(state, "300", "E300: Upload Image Failed: only JPG or PNG images", "ISP")
        state.images += 1
        url = f"{state.config.public_url}/lazada-sim/{secrets.token_hex(16)}.jpg"
        return Response(ok(state, {"image": {"url": url, "hash_code": url[-36:-4]}})[1])

    async def read(request: Request, path: str):
        got = await signed(request, path)
        return got

    @get("/product/item/get")
    async def product_item(request: Request) -> Response:
        got = await read(request, "/product/item/get")
        if isinstance(got, Response):
            return got
        params, seller = got
        item = state.own_item(seller, params.get("item_id", ""))
        if item is None:
            return failure(state, "208", "E208: Item not exist", "ISP")
        return Response(ok(state, render(state, item))[1])

    @get("/products/get")
    async def products(request: Request) -> Response:
        got = await read(request, "/products/get")
        if isinstance(got, Response):
            return got
        params, seller = got
        try:
            wanted = set(json.loads(params.get("sku_seller_list") or "[]"))
        except ValueError:
            return failure(state, "InvalidParameter", "sku_seller_list must be a JSON array")
        found = [
            render(state, i)
            for i in state.items.values()
            if i.shop_id == seller and (not wanted or i.sku in wanted)
        ]
        return Response(ok(state, {"total_products": len(found), "products": found})[1])

    @get("/seller/get")
    async def seller_info(request: Request) -> Response:
        got = await read(request, "/seller/get")
        if isinstance(got, Response):
            return got
        seller = got[1]
        return Response(
            ok(state, {"seller_id": int(seller), "name": f"Gian hàng {seller}", "location": "Việt Nam"})[1]
        )

    app = Litestar(
        route_handlers=[
            token_create,
            token_refresh,
            consent,
            product_create,
            product_update,
            product_price_quantity,
            product_deactivate,
            image_migrate,
            image_upload,
            product_item,
            products,
            seller_info,
            *order_routes(state, read),
            *desk_routes(state, read, write),
            *public_routes(state, TITLE, render),
        ],
        middleware=[DropMiddleware],
        openapi_config=None,
    )
    app.state.sim = state
    return app
