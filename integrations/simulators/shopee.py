"""Shopee simulator: the Open Platform v2 calls ``integrations.adapters.shopee`` makes, checked as
Shopee documents them (sign over the query's common parameters, 5-minute timestamps, 4-hour access
tokens, single-use refresh tokens), with the shared faults, storefront and sale pushes.

Tokens are signed by the simulator rather than stored, so the demo's tokens survive a restart.
"""

from __future__ import annotations

import hmac
import json
import uuid

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import UploadFile

from integrations.adapters import shopee as contract
from integrations.adapters import shopee_auth as auth
from integrations.simulators.base import play_write, upsert, validate
from integrations.simulators.public import item_page, public_routes
from integrations.simulators.responses import DropMiddleware
from integrations.simulators.shopee_catalog import (
    attributes_problem,
    catalog_routes,
    image_problem,
    item_problem,
)
from integrations.simulators.shopee_desk import desk_routes
from integrations.simulators.shopee_logistics import logistics_routes, shipping_problem, weight_problem
from integrations.simulators.shopee_orders import order_routes
from integrations.simulators.shopee_state import ShopeeConfig, ShopeeState
from integrations.simulators.state import Item, SimState

TITLE = "Shopee"
PUBLIC_PATHS = {auth.TOKEN_GET, auth.TOKEN_REFRESH, "/api/v2/media_space/upload_image"}
STATUS = {"live": "NORMAL", "delisted": "UNLIST", "rejected": "BANNED"}


def answer(error: str = "", message: str = "", http_status: int = 200, **fields) -> Response:
    """Shopee's envelope: error and message (empty on success), a request id, then the data."""
    body = {"error": error, "message": message, "request_id": uuid.uuid4().hex, **fields}
    headers = {"Retry-After": "1"} if http_status == 429 else None
    return Response(body, status_code=http_status, headers=headers)


def _item_answer(state: SimState, item: Item) -> dict:
    status = "BANNED" if item.moderated else STATUS[item.status]  # Shopee's own takedown
    return {"item_id": int(item.id), "item_status": status, "item_sku": item.sku}


CONFIG = ShopeeConfig  # the config type integrations.plugin mounts this simulator with


def create_app(config: ShopeeConfig | None = None) -> Litestar:
    state = ShopeeState(config or ShopeeConfig())

    def signed_path(request: Request) -> str:
        # The signed path starts at /api/v2 whatever the mount (/sim/shopee) in front of it.
        path = (request.scope.get("raw_path") or request.url.path.encode()).decode().split("?")[0]
        return path[path.find("/api/v2") :]

    def authenticate(request: Request) -> Response | None:
        """Check the common parameters exactly as documented; None when the call may proceed."""
        limited = state.admit()
        if limited:
            return answer("error_rate_limit", "Too many requests.", 429)
        q = request.query_params
        partner_id, timestamp, given = q.get("partner_id", ""), q.get("timestamp", ""), q.get("sign", "")
        path = signed_path(request)
        key = state.partner_key(partner_id) if partner_id.isdigit() else None
        if key is None:
            return answer("error_param", "Invalid partner_id.", 403)  # as the API reference lists it
        if not timestamp.isdigit() or abs(state.now() - int(timestamp)) > state.config.window_s:
            return answer("error_param", "Invalid timestamp: outside the 5-minute window.", 400)
        token, shop_id = q.get("access_token", ""), q.get("shop_id", "")
        base = auth.base_string(
            partner_id, path, timestamp, *(() if path in PUBLIC_PATHS else (token, shop_id))
        )
        if not hmac.compare_digest(given, auth.sign(key, base)):
            return answer("error_sign", "Wrong sign.", 403)
        if path not in PUBLIC_PATHS and not state.token_ok("access", token, partner_id, shop_id):
            return answer("error_auth", "Invalid access_token.", 403)
        return None

    async def body_of(request: Request) -> dict:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def token_pair(partner_id: str, shop_id: str) -> Response:
        return answer(
            access_token=state.mint("access", partner_id, shop_id, state.config.access_ttl_s),
            refresh_token=state.mint("refresh", partner_id, shop_id, state.config.refresh_ttl_s),
            expire_in=state.config.access_ttl_s,
            partner_id=int(partner_id),
            shop_id=int(shop_id),
        )

    @post(auth.TOKEN_GET, status_code=200)
    async def token_get(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        body = await body_of(request)
        partner_id, shop_id = str(body.get("partner_id", "")), str(body.get("shop_id", ""))
        code = str(body.get("code", ""))
        if partner_id != request.query_params.get("partner_id") or not state.code_ok(
            partner_id, shop_id, code
        ):
            return answer("invalid_code", "Invalid code.", 403)
        state.used.add(code)
        return token_pair(partner_id, shop_id)

    @post(auth.TOKEN_REFRESH, status_code=200)
    async def token_refresh(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        body = await body_of(request)
        partner_id, shop_id = str(body.get("partner_id", "")), str(body.get("shop_id", ""))
        refresh = str(body.get("refresh_token", ""))
        if refresh in state.used or not state.token_ok("refresh", refresh, partner_id, shop_id):
            return answer("error_auth", "Invalid refresh_token.", 403)
        state.used.add(refresh)
        state.renewals += 1
        return token_pair(partner_id, shop_id)

    @post("/api/v2/media_space/upload_image", status_code=200)
    async def upload_image(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        upload = (await request.form()).get("image")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        if not data:
            return answer("error_param", "image is required.", 400)
        problem = image_problem(data)
        if problem:
            return answer("error_param", problem, 400)
        image_id = uuid.uuid4().hex[:24]
        state.images[image_id] = data
        url = f"{state.config.public_url}/img/{image_id}"
        info = {"image_id": image_id, "image_url_list": [{"image_url_region": "VN", "image_url": url}]}
        return answer(response={"image_info": info})

    @get("/img/{image_id:str}")
    async def image(image_id: str) -> Response:
        data = state.images.get(image_id)
        return Response(data or b"", media_type="image/jpeg", status_code=200 if data else 404)

    @get("/api/v2/shop/get_shop_info")
    async def shop_info(request: Request) -> Response:
        denied = authenticate(request)
        shop_id = request.query_params.get("shop_id", "")
        return denied or answer(shop_name=f"Shop {shop_id}", region="VN", status="NORMAL")

    def own_item(request: Request, item_id) -> Item | None:
        item = state.items.get(str(item_id))
        return item if item and item.shop_id == request.query_params.get("shop_id") else None

    async def write(request: Request, apply) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        body = await body_of(request)
        played = await play_write(state, None, lambda: apply(body))
        if played.status_code == 503:
            return answer("error_server", "Service unavailable.", 503)
        if played.status_code == 429:
            return answer("error_rate_limit", "Slow down.", 429)
        return played

    def not_found() -> tuple[int, dict]:
        return 400, {"error": "error_item_not_found", "message": "Item not found.", "request_id": ""}

    @post("/api/v2/product/add_item", status_code=200)
    async def add_item(request: Request) -> Response:
        def apply(body: dict):
            images = [
                f"{state.config.public_url}/img/{i}"
                for i in (body.get("image") or {}).get("image_id_list") or []
                if i in state.images
            ]
            stock = ((body.get("seller_stock") or [{}])[0]).get("stock")
            price = body.get("original_price")
            fields = {
                "name": str(body.get("item_name", "")),
                "description": str(body.get("description", "")),
                "category": body.get("category_id"),
                "unit": "",
                "price": int(price) if isinstance(price, int | float) and price == int(price) else price,
                "stock": stock,
                "images": images,
            }
            shop_id = request.query_params["shop_id"]
            invalid = validate(fields, contract.NAME_MAX, contract.DESCRIPTION_MAX, contract.IMAGES_MAX)
            shipping = (
                None if invalid else shipping_problem(body, shop_id, state.config.shops_without_shipping)
            )
            problem = (
                ("error_param", invalid[1])
                if invalid
                else ("error_param", shipping)
                if shipping
                else item_problem(body)
            )
            if problem:
                return 400, {"error": problem[0], "message": problem[1], "request_id": ""}
            fields["weight_kg"] = body["weight"]
            fields["attributes"] = {
                a["attribute_id"]: a["attribute_value_list"] for a in body.get("attribute_list") or []
            }
            fields["brand"] = body["brand"]
            fields["logistic_ids"] = [i["logistic_id"] for i in body["logistic_info"] if i.get("enabled")]
            item = upsert(state, shop_id, str(body.get("item_sku", "")), fields, 0, None)
            return 200, {"error": "", "message": "", "request_id": "", "response": _item_answer(state, item)}

        return await write(request, apply)

    def change(request: Request, edit):
        def apply(body: dict):
            item = own_item(request, body.get("item_id"))
            if item is None:
                return not_found()
            problem = edit(item, body)
            if problem:
                error, message = problem if isinstance(problem, tuple) else ("error_param", problem)
                return 400, {"error": error, "message": message, "request_id": ""}
            state.writes_applied += 1
            state.applied_at[item.sku] = state.now()
            return 200, {"error": "", "message": "", "request_id": "", "response": {"item_id": int(item.id)}}

        return apply

    def edit_item(item: Item, body: dict) -> str | tuple[str, str] | None:
        name = str(body.get("item_name", item.fields["name"]))
        if not name.strip() or len(name) > contract.NAME_MAX:
            return "Invalid item_name."
        problem = weight_problem(body["weight"]) if "weight" in body else None
        if problem:
            return problem
        if "attribute_list" in body:
            refused = attributes_problem(item.fields.get("category"), body["attribute_list"])
            if refused:
                return refused
            item.fields["attributes"] = {
                a["attribute_id"]: a["attribute_value_list"] for a in body["attribute_list"]
            }
        item.fields["name"] = name
        item.fields["description"] = str(body.get("description", item.fields["description"]))
        item.fields["weight_kg"] = body.get("weight", item.fields.get("weight_kg"))
        return None

    def edit_price(item: Item, body: dict) -> str | None:
        price = ((body.get("price_list") or [{}])[0]).get("original_price")
        if not isinstance(price, int | float) or price < 1000:
            return "Price must be at least 1000 VND."
        item.fields["price"] = int(price)
        return None

    def edit_stock(item: Item, body: dict) -> str | None:
        stock = (((body.get("stock_list") or [{}])[0]).get("seller_stock") or [{}])[0].get("stock")
        if not isinstance(stock, int) or stock < 0:
            return "Invalid stock."
        item.fields["stock"] = stock
        return None

    @post("/api/v2/product/update_item", status_code=200)
    async def update_item(request: Request) -> Response:
        return await write(request, change(request, edit_item))

    @post("/api/v2/product/update_price", status_code=200)
    async def update_price(request: Request) -> Response:
        return await write(request, change(request, edit_price))

    @post("/api/v2/product/update_stock", status_code=200)
    async def update_stock(request: Request) -> Response:
        return await write(request, change(request, edit_stock))

    @post("/api/v2/product/unlist_item", status_code=200)
    async def unlist_item(request: Request) -> Response:
        def apply(body: dict):
            done, failed = [], []
            for entry in body.get("item_list") or []:
                item = own_item(request, entry.get("item_id"))
                if item is None or (item.moderated and not entry.get("unlist")):
                    failed.append(
                        {"item_id": entry.get("item_id"), "failed_reason": "Item cannot be listed."}
                    )
                    continue
                item.status = "delisted" if entry.get("unlist") else "live"
                done.append({"item_id": int(item.id), "unlist": bool(entry.get("unlist"))})
            response = {"success_list": done, "failure_list": failed}
            return 200, {"error": "", "message": "", "request_id": "", "response": response}

        return await write(request, apply)

    @get("/api/v2/product/get_item_base_info")
    async def item_base_info(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        ids = request.query_params.get("item_id_list", "").split(",")
        items = []
        for item in filter(None, (own_item(request, i.strip()) for i in ids)):
            fields = item.fields
            items.append(
                _item_answer(state, item)
                | {
                    "item_name": fields["name"],
                    "description": fields["description"],
                    "weight": fields.get("weight_kg"),
                    "attribute_list": [
                        {"attribute_id": int(i), "attribute_value_list": v}
                        for i, v in (fields.get("attributes") or {}).items()
                    ],
                    "price_info": [{"original_price": fields["price"], "currency": "VND"}],
                    "stock_info_v2": {"summary_info": {"total_available_stock": fields["stock"]}},
                }
            )
        return answer(response={"item_list": items})

    @get("/api/v2/product/search_item")
    async def search_item(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        q = request.query_params
        found = state.by_sku.get((q.get("shop_id", ""), q.get("item_sku", "")))
        return answer(
            response={"item_id_list": [int(found)] if found else [], "total_count": int(bool(found))}
        )

    @get("/product/{shop_id:str}/{item_id:str}")
    async def product_page(shop_id: str, item_id: str) -> Response:
        return item_page(state, TITLE, item_id)

    app = Litestar(
        route_handlers=[
            token_get,
            token_refresh,
            upload_image,
            image,
            shop_info,
            add_item,
            update_item,
            update_price,
            update_stock,
            unlist_item,
            item_base_info,
            search_item,
            product_page,
            *order_routes(state, authenticate, answer),
            *desk_routes(state, authenticate, answer, write),
            *logistics_routes(state, authenticate, answer),
            *catalog_routes(state, authenticate, answer),
            *public_routes(state, TITLE, _item_answer),
        ],
        middleware=[DropMiddleware],
        openapi_config=None,
    )
    app.state.sim = state
    return app
