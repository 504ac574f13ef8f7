"""Voso simulator: the contract of ``integrations.adapters.voso``, with faults and a storefront
(its orders and order desk in ``voso_desk``)."""

from __future__ import annotations

import hmac
import json
import secrets

from litestar import Litestar, Request, Response, delete, get, patch, post

from integrations.adapters import voso as contract
from integrations.simulators.base import play_write, upsert, validate
from integrations.simulators.credentials import demo_credentials
from integrations.simulators.public import public_routes
from integrations.simulators.responses import DropMiddleware, error
from integrations.simulators.state import SimConfig, SimState
from integrations.simulators.voso_desk import desk_routes

TITLE = "Voso"
TOKEN_TTL_S = 3600
STATE = {"live": "approved", "rejected": "rejected", "delisted": "delisted"}
NOT_FOUND = {"error": {"code": "not_found", "message": "No such item", "message_vi": "Không có sản phẩm."}}


def _answer(state: SimState, item) -> dict:
    return {
        "item_id": item.id,
        "item_url": state.url(item.id),
        "state": STATE[item.status],
        "rejection_reason": item.reason,
    } | ({"delisted_by": "voso" if item.moderated else "seller"} if item.status == "delisted" else {})


def _fields(body: dict) -> dict:
    return {
        "name": str(body.get("name", "")),
        "description": str(body.get("short_description", "")),
        "category": body.get("category_code"),
        "unit": str(body.get("unit_code", "")),
        "price": body.get("sale_price"),
        "stock": body.get("stock_quantity"),
        "images": list(body.get("image_urls") or []),
    }


CONFIG = SimConfig  # the config type integrations.plugin mounts this simulator with


def create_app(config: SimConfig | None = None) -> Litestar:
    state = SimState(contract.CODE, config or SimConfig())
    prefix = "/v2/sellers/{shop_id:str}"

    def _credentials(shop_id: str) -> dict[str, str] | None:
        creds = state.config.shops.get(shop_id)
        if creds is None and state.config.accept_demo_credentials:
            creds = demo_credentials(contract.CODE, shop_id)
        return creds

    def _client_secret(client_id: str) -> str | None:
        for creds in state.config.shops.values():
            if creds["client_id"] == client_id:
                return creds["client_secret"]
        if state.config.accept_demo_credentials and client_id.startswith("demo-"):
            return demo_credentials(contract.CODE, client_id.removeprefix("demo-"))["client_secret"]
        return None

    def _auth(request: Request, shop_id: str) -> Response | None:
        limited = state.admit()
        if limited:
            return limited
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        owner = state.bearer_tokens.get(token) if scheme.lower() == "bearer" else None
        if owner is None or owner[1] < state.now():
            return error(401, "invalid_token", "Phiên truy cập hết hạn.", "Invalid or expired token.")
        creds = _credentials(shop_id)
        if creds is None or creds["client_id"] != owner[0]:
            return error(
                403, "forbidden", "Không có quyền với gian hàng này.", "Token does not own this shop."
            )
        return None

    @post("/oauth/token", status_code=200)
    async def token(request: Request) -> Response:
        form = await request.form()
        client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
        expected = _client_secret(client_id)
        if (
            form.get("grant_type") != "client_credentials"
            or expected is None
            or not hmac.compare_digest(secret, expected)
        ):
            return Response({"error": "invalid_client"}, status_code=401)
        value = secrets.token_urlsafe(24)
        state.bearer_tokens[value] = (client_id, state.now() + TOKEN_TTL_S)
        return Response({"access_token": value, "token_type": "bearer", "expires_in": TOKEN_TTL_S})

    def write(shop_id: str, body: dict, item_id: str | None):
        def apply():
            if item_id is not None and (
                item_id not in state.items or state.items[item_id].shop_id != shop_id
            ):
                return 404, NOT_FOUND
            fields = _fields(body)
            problem = validate(fields, contract.NAME_MAX, contract.DESCRIPTION_MAX, contract.IMAGES_MAX)
            if fields["category"] not in contract.CATEGORY.values():
                problem = problem or ("Ngành hàng không tồn tại.", "Unknown category.")
            if problem:
                return 422, {"error": {"code": "invalid", "message": problem[1], "message_vi": problem[0]}}
            sku = str(body.get("external_ref", ""))
            item = upsert(state, shop_id, sku, fields, int(body.get("revision", 0)), item_id)
            return (201 if item_id is None else 200), _answer(state, item)

        return apply

    async def _json(request: Request) -> dict:
        try:
            return json.loads(await request.body() or b"{}")
        except ValueError:
            return {}

    @get(prefix)
    async def seller(request: Request, shop_id: str) -> Response:
        return _auth(request, shop_id) or Response({"seller_id": shop_id})

    @post(prefix + "/items")
    async def publish(request: Request, shop_id: str) -> Response:
        denied = _auth(request, shop_id)
        if denied:
            return denied
        key = request.headers.get("x-idempotency-key")
        return await play_write(state, key and f"{shop_id}:{key}", write(shop_id, await _json(request), None))

    @patch(prefix + "/items/{item_id:str}")
    async def change(request: Request, shop_id: str, item_id: str) -> Response:
        denied = _auth(request, shop_id)
        if denied:
            return denied
        key = request.headers.get("x-idempotency-key")
        return await play_write(
            state, key and f"{shop_id}:{key}", write(shop_id, await _json(request), item_id)
        )

    @delete(prefix + "/items/{item_id:str}", status_code=200)
    async def remove(request: Request, shop_id: str, item_id: str) -> Response:
        denied = _auth(request, shop_id)
        if denied:
            return denied

        def apply():
            item = state.items.get(item_id)
            if item is None or item.shop_id != shop_id:
                return 404, NOT_FOUND
            item.status = "delisted"
            return 200, _answer(state, item)

        key = request.headers.get("x-idempotency-key")
        return await play_write(state, key and f"{shop_id}:{key}", apply)

    @get(prefix + "/items/{item_id:str}")
    async def status(request: Request, shop_id: str, item_id: str) -> Response:
        denied = _auth(request, shop_id)
        if denied:
            return denied
        item = state.items.get(item_id)
        if item is None or item.shop_id != shop_id:
            return Response(NOT_FOUND, status_code=404)
        return Response(_answer(state, item))

    @get(prefix + "/items")
    async def by_ref(request: Request, shop_id: str, external_ref: str) -> Response:
        denied = _auth(request, shop_id)
        if denied:
            return denied
        found = state.by_sku.get((shop_id, external_ref))
        return Response({"data": [_answer(state, state.items[found])] if found else []})

    app = Litestar(
        route_handlers=[
            token,
            seller,
            publish,
            change,
            remove,
            status,
            by_ref,
            *desk_routes(state, _auth),
            *public_routes(state, TITLE, _answer),
        ],
        middleware=[DropMiddleware],
        openapi_config=None,
    )
    app.state.sim = state
    return app
