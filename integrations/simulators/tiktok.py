"""TikTok Shop simulator: the Partner API 202309 calls ``integrations.adapters.tiktok`` makes, checked
as TikTok documents them (the signature over path, sorted query and body; a 5-minute timestamp; the
``x-tts-access-token`` header; the seller's consent page and the auth host's token calls), with the
shared faults, rate limit, storefront and sale pushes. Orders: ``tiktok_orders``.

Codes and tokens are signed by the simulator rather than stored, so the demo's survive a restart.
Like the other simulators, a create with a seller_sku the shop already has changes that product
(a dropped answer then never leaves two items): the adapter still searches first, as TikTok needs.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
import re
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import UploadFile

from integrations.adapters import tiktok as contract
from integrations.adapters import tiktok_auth as auth
from integrations.simulators.base import play_write, upsert, validate
from integrations.simulators.credentials import DEMO_MASTER, demo_mac
from integrations.simulators.public import item_page, public_routes
from integrations.simulators.responses import DropMiddleware
from integrations.simulators.state import Item, SimConfig, SimState
from integrations.simulators.tiktok_auth import (
    BAD_CREDENTIALS,
    BAD_SIGN,
    BAD_TIMESTAMP,
    FUTURE_S,
    NO_SHOP_CIPHER,
    THROTTLED,
    TITLE,
    TOKEN_EXPIRED,
    auth_routes,
    demo_app_secret,
)
from integrations.simulators.tiktok_fulfillment import fulfillment_routes
from integrations.simulators.tiktok_orders import order_routes
from integrations.simulators.tiktok_products import inventory, partial, price, product

_VERSIONED = re.compile(r"/[a-z_]+/20\d{4}/")


@dataclass
class TiktokConfig(SimConfig):
    access_ttl_s: int = 7 * 86400
    refresh_ttl_s: int = 365 * 86400
    window_s: int = auth.TIMESTAMP_WINDOW_S
    token_secret: bytes = DEMO_MASTER
    apps: dict[str, str] = field(default_factory=dict)  # app_key -> app_secret, besides the demo ones


CONFIG = TiktokConfig  # the config type integrations.plugin mounts this simulator with


class TiktokState(SimState):
    def __init__(self, config: TiktokConfig) -> None:
        super().__init__(contract.CODE, config)
        self.config: TiktokConfig = config
        self._product_ids = itertools.count(1_729_000_000_000_000_001 + len(self.items))
        self.used: set[str] = set()  # refresh tokens already traded (single use, like Shopee's)
        self.images: dict[str, bytes] = {}
        self.renewals = 0
        self.calls: Counter[tuple[str, str]] = Counter()  # (product_id, call) -> writes applied
        self.documents: set[tuple[str, str]] = set()  # (package, document type) the carrier has made

    def next_id(self) -> str:
        return str(next(self._product_ids))

    def app_secret(self, app_key: str) -> str | None:
        if app_key in self.config.apps:
            return self.config.apps[app_key]
        return demo_app_secret(app_key) if self.config.accept_demo_credentials and app_key else None

    def mint(self, kind: str, app_key: str, shop_id: str, ttl_s: int) -> tuple[str, int]:
        expiry, nonce = math.ceil(self.now() + ttl_s), secrets.token_hex(4)
        return f"TTP_{shop_id}.{expiry}.{nonce}.{self._mac(kind, app_key, shop_id, expiry, nonce)}", expiry

    def token_shop(self, kind: str, token: str, app_key: str) -> tuple[str, bool] | None:
        """(shop id, still valid) for a token this simulator minted for the app; None when forged."""
        try:
            shop, expiry, nonce, mac = token.removeprefix("TTP_").split(".")
            good = hmac.compare_digest(mac, self._mac(kind, app_key, shop, int(expiry), nonce))
        except ValueError:
            return None
        return (shop, int(expiry) > self.now()) if good else None

    def _mac(self, kind: str, app_key: str, shop_id: str, expiry: int, nonce: str) -> str:
        text = f"{kind}|{app_key}|{shop_id}|{expiry}|{nonce}".encode()
        return hmac.new(self.config.token_secret, text, hashlib.sha256).hexdigest()[:32]

    def cipher(self, shop_id: str) -> str:
        return "ROW_" + demo_mac(f"tiktok-cipher:{shop_id}")[:24]


def answer(code: int = 0, message: str = "Success", http_status: int = 200, **data) -> Response:
    """TikTok's envelope: code (0 on success), message, request_id, data."""
    body = {"code": code, "message": message, "request_id": uuid.uuid4().hex.upper(), "data": data}
    headers = {"Retry-After": "1"} if http_status == 429 else None
    return Response(body, status_code=http_status, headers=headers)


def create_app(config: TiktokConfig | None = None) -> Litestar:
    state = TiktokState(config or TiktokConfig())

    def signed_path(request: Request) -> str:
        path = (request.scope.get("raw_path") or request.url.path.encode()).decode().split("?")[0]
        found = _VERSIONED.search(path)
        return path[found.start() :] if found else path

    async def authenticate(request: Request) -> Response | None:
        """The guide's checks, in order; None when the call may go on (``request.state.shop``: whose)."""
        if state.admit():
            return answer(THROTTLED, "Too many requests.", 429)
        q = request.query_params
        secret = state.app_secret(q.get("app_key", ""))
        if secret is None:
            return answer(BAD_CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter.", 401)
        timestamp = q.get("timestamp", "")
        late = not timestamp.isdigit() or state.now() - int(timestamp) > state.config.window_s
        if late or int(timestamp) - state.now() > FUTURE_S:
            return answer(
                BAD_TIMESTAMP, "Invalid timestamp. Outside 5 minutes before to 30 seconds after now.", 401
            )
        multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
        body = b"" if multipart else await request.body()
        params = {key: value for key, value in q.items()}
        if not hmac.compare_digest(
            q.get("sign", ""),
            auth.sign(secret, auth.base_string(signed_path(request), params, body, multipart)),
        ):
            return answer(BAD_SIGN, "The signature is invalid.", 401)
        token = request.headers.get(auth.TOKEN_HEADER, "")
        found = state.token_shop("access", token, q.get("app_key", ""))
        if found is None:
            return answer(
                BAD_CREDENTIALS, "Invalid credentials. The `x-tts-access-token` header is invalid.", 401
            )
        if not found[1]:
            return answer(TOKEN_EXPIRED, "access token is expired, please refresh it", 401)
        shop = found[0]
        if signed_path(request) != contract.SHOPS and q.get("shop_cipher") != state.cipher(shop):
            return answer(
                NO_SHOP_CIPHER, "Missing identifier. The `shop_cipher` query parameter is required.", 400
            )
        request.state.shop = shop
        return None

    async def body_of(request: Request) -> dict:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    # ------------------------------------------------------------ shop and products

    @get(contract.SHOPS)
    async def shops(request: Request) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        shop = request.state.shop
        return answer(
            shops=[
                {
                    "id": shop,
                    "cipher": state.cipher(shop),
                    "name": f"Shop {shop}",
                    "region": "VN",
                    "code": f"VN{shop[-6:]}",
                    "seller_type": "LOCAL",
                }
            ]
        )

    @get(contract.WAREHOUSES)
    async def warehouses(request: Request) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        house = {"id": f"7{request.state.shop}", "name": "Kho chính", "type": "SALES_WAREHOUSE"}
        return answer(warehouses=[house | {"is_default": True, "effect_status": "ENABLED"}])

    @post(contract.IMAGES, status_code=200)
    async def upload(request: Request) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        form = await request.form()
        upload, use_case = form.get("data"), str(form.get("use_case", ""))
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        if not data or use_case != "MAIN_IMAGE":
            return answer(12019001, "data (an image file) and use_case MAIN_IMAGE are required.", 400)
        uri = f"tos-alisg-i-{uuid.uuid4().hex[:20]}"
        state.images[uri] = data
        return answer(
            uri=uri, url=f"{state.config.public_url}/img/{uri}", width=800, height=800, use_case=use_case
        )

    @get("/img/{uri:str}")
    async def image(uri: str) -> Response:
        data = state.images.get(uri)
        return Response(data or b"", media_type="image/webp", status_code=200 if data else 404)

    async def write(request: Request, apply) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        body = await body_of(request)
        shop = request.state.shop
        played = await play_write(state, None, lambda: apply(shop, body))
        if played.status_code == 503:
            return answer(1, "Internal error, please retry.", 503)
        if played.status_code == 429:
            return answer(THROTTLED, "Too many requests.", 429)
        return played

    def ok(**data) -> tuple[int, dict]:
        return 200, {"code": 0, "message": "Success", "request_id": uuid.uuid4().hex.upper(), "data": data}

    def refused(code: int, message: str, status: int = 400) -> tuple[int, dict]:
        return status, {"code": code, "message": message, "request_id": uuid.uuid4().hex.upper(), "data": {}}

    @post(contract.PRODUCTS, status_code=200)
    async def create_product(request: Request) -> Response:
        def apply(shop: str, body: dict):
            sku = (body.get("skus") or [{}])[0]
            inventory = (sku.get("inventory") or [{}])[0]
            price = str((sku.get("price") or {}).get("amount", ""))
            images = [
                f"{state.config.public_url}/img/{i.get('uri')}"
                for i in body.get("main_images") or []
                if i.get("uri") in state.images
            ]
            fields = {
                "name": str(body.get("title", "")), "description": str(body.get("description", "")),
                "category": body.get("category_id"), "unit": "",
                "price": int(price) if price.isdigit() else price, "stock": inventory.get("quantity"),
                "images": images,
            }  # fmt: skip
            invalid = validate(fields, contract.NAME_MAX, contract.DESCRIPTION_MAX, contract.IMAGES_MAX)
            weight = body.get("package_weight") or {}
            if invalid:
                return refused(12052000, invalid[1])
            if (
                weight.get("unit") not in ("KILOGRAM", "POUND")
                or not str(weight.get("value", "")).replace(".", "", 1).isdigit()
            ):
                return refused(12052000, "package_weight (value, unit) is required.")
            if inventory.get("warehouse_id") != f"7{shop}" or not sku.get("seller_sku"):
                return refused(12052000, "skus[].seller_sku and an enabled warehouse_id are required.")
            fields |= {"warehouse_id": inventory["warehouse_id"], "weight": weight, "sku_id": ""}
            item = upsert(state, shop, str(sku["seller_sku"]), fields, 0, None)
            item.fields["sku_id"] = item.fields["sku_id"] or f"{item.id[:-3]}9{item.id[-3:]}"
            state.calls[(item.id, "create")] += 1
            return ok(
                product_id=item.id, skus=[{"id": item.fields["sku_id"], "seller_sku": item.sku}], warnings=[]
            )

        return await write(request, apply)

    def own(shop: str, product_id: str) -> Item | None:
        item = state.items.get(product_id)
        return item if item and item.shop_id == shop else None

    def edit(product_id: str, call: str, change):
        def apply(shop: str, body: dict):
            item = own(shop, product_id)
            if item is None:
                return refused(12052700, "Product not found.", 404)
            problem = change(item, body)
            if problem:
                return refused(12052000, problem)
            state.calls[(item.id, call)] += 1
            state.writes_applied += 1
            state.applied_at[item.sku] = state.now()
            return ok()

        return apply

    @post(f"{contract.PRODUCTS}/{{product_id:str}}/partial_edit", status_code=200)
    async def partial_edit(request: Request, product_id: str) -> Response:
        return await write(request, edit(product_id, "partial_edit", partial))

    @post(f"{contract.PRODUCTS}/{{product_id:str}}/prices/update", status_code=200)
    async def update_price(request: Request, product_id: str) -> Response:
        return await write(request, edit(product_id, "prices/update", price))

    @post(f"{contract.PRODUCTS}/{{product_id:str}}/inventory/update", status_code=200)
    async def update_inventory(request: Request, product_id: str) -> Response:
        return await write(request, edit(product_id, "inventory/update", inventory))

    def switch(verb: str):
        def apply(shop: str, body: dict):
            errors = []
            for product_id in body.get("product_ids") or []:
                item = own(shop, str(product_id))
                if item is None or item.moderated:
                    errors.append(
                        {
                            "code": 12052700,
                            "message": "Product not found or frozen.",
                            "detail": {"product_id": str(product_id)},
                        }
                    )
                    continue
                item.status = "live" if verb == "activate" else "delisted"
                state.calls[(item.id, verb)] += 1
                state.writes_applied += 1
            return ok(errors=errors)

        return apply

    @post(f"{contract.PRODUCTS}/deactivate", status_code=200)
    async def deactivate(request: Request) -> Response:
        return await write(request, switch("deactivate"))

    @post(f"{contract.PRODUCTS}/activate", status_code=200)
    async def activate(request: Request) -> Response:
        return await write(request, switch("activate"))

    @get(f"{contract.PRODUCTS}/{{product_id:str}}")
    async def get_product(request: Request, product_id: str) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        item = own(request.state.shop, product_id)
        return answer(**product(item)) if item else answer(12052700, "Product not found.", 404)

    @post(f"{contract.PRODUCTS}/search", status_code=200)
    async def search(request: Request) -> Response:
        denied = await authenticate(request)
        if denied:
            return denied
        wanted = set((await body_of(request)).get("seller_skus") or [])
        found = [
            product(i)
            for i in state.items.values()
            if i.shop_id == request.state.shop and (not wanted or i.sku in wanted)
        ]
        return answer(products=found, total_count=len(found), next_page_token="")

    @get("/view/product/{product_id:str}")
    async def product_page(product_id: str) -> Response:
        return item_page(state, TITLE, product_id)

    def public_answer(_state: SimState, item: Item) -> dict:
        return product(item)

    app = Litestar(
        route_handlers=[
            shops,
            warehouses,
            upload,
            image,
            create_product,
            partial_edit,
            update_price,
            update_inventory,
            deactivate,
            activate,
            get_product,
            search,
            product_page,
            *auth_routes(state, answer),
            *order_routes(state, authenticate, answer, write),
            *fulfillment_routes(state, authenticate, answer, write),
            *public_routes(state, TITLE, public_answer),
        ],
        middleware=[DropMiddleware],
        openapi_config=None,
    )
    app.state.sim = state
    return app
