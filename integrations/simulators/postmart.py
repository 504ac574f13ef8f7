"""Postmart simulator: the contract of ``integrations.adapters.postmart``, with faults and a storefront
(its orders and order desk in ``postmart_desk``)."""

from __future__ import annotations

import hmac
import json

from litestar import Litestar, Request, Response, delete, get, post, put

from integrations.adapters import postmart as contract
from integrations.simulators.base import play_write, upsert, validate
from integrations.simulators.credentials import demo_credentials
from integrations.simulators.postmart_desk import desk_routes
from integrations.simulators.public import public_routes
from integrations.simulators.responses import DropMiddleware, error
from integrations.simulators.state import SimConfig, SimState

TITLE = "Postmart"
WINDOW_S = 300
STATUS = {"live": "active", "rejected": "rejected", "delisted": "removed"}


def _answer(state: SimState, item) -> dict:
    answer = {"id": item.id, "url": state.url(item.id), "status": STATUS[item.status], "reason": item.reason}
    if item.status == "delisted":
        answer["removed_by"] = "postmart" if item.moderated else "seller"
    return answer


async def _auth(state: SimState, request: Request, shop_id: str) -> Response | None:
    limited = state.admit()
    if limited:
        return limited
    creds = state.config.shops.get(shop_id)
    if creds is None and state.config.accept_demo_credentials:
        creds = demo_credentials(contract.CODE, shop_id)
    key = request.headers.get("x-pm-key", "")
    timestamp = request.headers.get("x-pm-timestamp", "0")
    if creds is None or not hmac.compare_digest(key, creds["api_key"]):
        return error(401, "unauthorized", "Sai khóa API.", "Unknown API key.")
    if not timestamp.isdigit() or abs(state.now() - int(timestamp)) > WINDOW_S:
        return error(401, "stale", "Yêu cầu quá hạn (đồng hồ lệch).", "Timestamp outside the window.")
    body = await request.body()
    # The signed path starts at the partner prefix, whatever the base URL (mounted under /sim/...).
    # raw_path: a mount may rewrite "path" (Litestar adds a trailing slash).
    path = (request.scope.get("raw_path") or request.url.path.encode()).decode().split("?")[0]
    path = path[path.find(contract.PREFIX) :]
    expected = contract.signature(creds["api_secret"], request.method, path, timestamp, body)
    if not hmac.compare_digest(request.headers.get("x-pm-signature", ""), expected):
        return error(401, "bad_signature", "Chữ ký không hợp lệ.", "Bad signature.")
    return None


def _fields(body: dict) -> dict:
    return {
        "name": str(body.get("title", "")),
        "description": str(body.get("description", "")),
        "category": body.get("category_id"),
        "unit": str(body.get("unit", "")),
        "price": body.get("price"),
        "stock": body.get("quantity"),
        "images": list(body.get("images") or []),
    }


CONFIG = SimConfig  # the config type integrations.plugin mounts this simulator with


def create_app(config: SimConfig | None = None) -> Litestar:
    state = SimState(contract.CODE, config or SimConfig())
    prefix = "/api/partner/v1/shops/{shop_id:str}"

    def write(shop_id: str, body: dict, item_id: str | None):
        def apply():
            if item_id is not None and (
                item_id not in state.items or state.items[item_id].shop_id != shop_id
            ):
                return 404, {
                    "error": {
                        "code": "not_found",
                        "message": "No such product",
                        "message_vi": "Không có sản phẩm.",
                    }
                }
            fields = _fields(body)
            problem = validate(fields, contract.TITLE_MAX, contract.DESCRIPTION_MAX, contract.IMAGES_MAX)
            if fields["category"] not in contract.CATEGORY.values():
                problem = problem or ("Danh mục không tồn tại.", "Unknown category.")
            if problem:
                return 422, {"error": {"code": "invalid", "message": problem[1], "message_vi": problem[0]}}
            item = upsert(
                state, shop_id, str(body.get("sku", "")), fields, int(body.get("version", 0)), item_id
            )
            return (201 if item_id is None else 200), _answer(state, item)

        return apply

    async def _json(request: Request) -> dict:
        try:
            return json.loads(await request.body() or b"{}")
        except ValueError:
            return {}

    @get(prefix)
    async def shop(request: Request, shop_id: str) -> Response:
        return await _auth(state, request, shop_id) or Response({"shop_id": shop_id, "name": shop_id})

    @post(prefix + "/products")
    async def publish(request: Request, shop_id: str) -> Response:
        denied = await _auth(state, request, shop_id)
        if denied:
            return denied
        key = request.headers.get("idempotency-key")
        return await play_write(state, key and f"{shop_id}:{key}", write(shop_id, await _json(request), None))

    @put(prefix + "/products/{item_id:str}")
    async def replace(request: Request, shop_id: str, item_id: str) -> Response:
        denied = await _auth(state, request, shop_id)
        if denied:
            return denied
        key = request.headers.get("idempotency-key")
        return await play_write(
            state, key and f"{shop_id}:{key}", write(shop_id, await _json(request), item_id)
        )

    @delete(prefix + "/products/{item_id:str}", status_code=200)
    async def remove(request: Request, shop_id: str, item_id: str) -> Response:
        denied = await _auth(state, request, shop_id)
        if denied:
            return denied

        def apply():
            item = state.items.get(item_id)
            if item is None or item.shop_id != shop_id:
                return 404, {
                    "error": {
                        "code": "not_found",
                        "message": "No such product",
                        "message_vi": "Không có sản phẩm.",
                    }
                }
            item.status = "delisted"
            return 200, _answer(state, item)

        key = request.headers.get("idempotency-key")
        return await play_write(state, key and f"{shop_id}:{key}", apply)

    @get(prefix + "/products/{item_id:str}")
    async def status(request: Request, shop_id: str, item_id: str) -> Response:
        denied = await _auth(state, request, shop_id)
        if denied:
            return denied
        item = state.items.get(item_id)
        if item is None or item.shop_id != shop_id:
            return error(404, "not_found", "Không có sản phẩm.", "No such product.")
        return Response(_answer(state, item))

    @get(prefix + "/products")
    async def by_sku(request: Request, shop_id: str, sku: str) -> Response:
        denied = await _auth(state, request, shop_id)
        if denied:
            return denied
        found = state.by_sku.get((shop_id, sku))
        return Response({"products": [_answer(state, state.items[found])] if found else []})

    app = Litestar(
        route_handlers=[
            shop,
            publish,
            replace,
            remove,
            status,
            by_sku,
            *desk_routes(state, lambda request, shop_id: _auth(state, request, shop_id)),
            *public_routes(state, TITLE, _answer),
        ],
        middleware=[DropMiddleware],
        openapi_config=None,
    )
    app.state.sim = state
    return app
