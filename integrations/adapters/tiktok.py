"""TikTok Shop adapter: the TikTok Shop Partner API (partner.tiktokshop.com/docv2), version 202309.

TikTok publishes its seller API, so this module follows it (signing, authorisation and tokens in
``tiktok_auth``, orders in ``tiktok_orders``). Every answer is
``{"code": 0, "message": "Success", "request_id": "…", "data": {…}}``; ``code`` is not 0 on failure.
Every shop call carries ``app_key``, ``timestamp``, ``shop_cipher`` and ``sign`` in the query and the
access token in the ``x-tts-access-token`` header. Calls (each the guide's page of that name):
- Authorization API "Get Authorized Shops": ``GET /authorization/202309/shops`` →
  ``data.shops[]``: ``id``, ``cipher``, ``name``, ``region``. Checks the credentials and gives the
  ``shop_cipher`` of the seller's shop (``Account.shop_id`` is TikTok's shop ``id``).
- Logistics API "Get Warehouse List": ``GET /logistics/202309/warehouses`` → ``data.warehouses[]``:
  ``id``, ``type`` (SALES_WAREHOUSE), ``is_default``, ``effect_status`` (ENABLED): stock is per warehouse.
- Product API "Upload Product Image": ``POST /product/202309/images/upload`` (multipart ``data``,
  ``use_case=MAIN_IMAGE``; the body of a multipart call is not signed) → ``data.uri``.
- "Create Product": ``POST /product/202309/products`` with ``title``, ``description``,
  ``category_id``, ``main_images[].uri``, ``package_weight {value, unit: KILOGRAM}`` and one SKU
  ``skus[]: {seller_sku, price {amount, currency: VND}, inventory [{warehouse_id, quantity}]}`` →
  ``data.product_id``, ``data.skus[].id``. TikTok keeps no idempotency key: "Search Products"
  (``POST /product/202309/products/search`` body ``{"seller_skus": […]}``) finds an item whose
  create answer was lost before anything is created again.
- "Get Product": ``GET /product/202309/products/{product_id}`` → ``status`` (DRAFT, PENDING,
  FAILED, ACTIVATE, SELLER_DEACTIVATED, PLATFORM_DEACTIVATED, FREEZE, DELETED), ``skus[]``
  (``id``, ``seller_sku``, ``price.sale_price``, ``inventory[].quantity``) and
  ``audit_failed_reasons``. PLATFORM_DEACTIVATED and FREEZE are TikTok's takedowns.
- "Partial Edit Product" ``POST …/products/{product_id}/partial_edit`` (title, description),
  "Update Price" ``POST …/products/{product_id}/prices/update`` (``skus[]: {id, price {amount,
  currency}}``), "Update Inventory" ``POST …/products/{product_id}/inventory/update`` (``skus[]: {id,
  inventory [{warehouse_id, quantity}]}``): each sent only when Get Product shows TikTok's value
  differs from ours, so a retry after a lost answer does not apply a change twice.
- "Deactivate Products" / "Activate Product": ``POST /product/202309/products/deactivate`` and
  ``…/activate`` with ``{"product_ids": […]}`` → ``data.errors[]`` per product; an already
  deactivated product is not deactivated again (delisting is idempotent).
- Orders: ``tiktok_orders`` ("Get Order List"); the order desk's calls: ``tiktok_desk``.

Errors (Developer guide > TikTok Shop API concepts > "Common errors" and "Rate limits"): HTTP 429
or ``36009002`` (too many requests), 5xx and ``36009007`` (request timeout) are retried;
``105002`` (expired credentials) is renewed once; ``106001`` (invalid sign), ``36009004`` (invalid
credentials: app key or ``x-tts-access-token``), ``105001`` (token deauthorized), ``105005``
(scope not granted) and the auth host's ``36004001``/``36004005`` are credential errors the seller
fixes by authorising again; ``36009004`` with "Invalid timestamp" (outside 5 minutes before to 30
seconds after TikTok's clock) means our clock is off (retried); any other code is a refusal shown
to the farmer in TikTok's words.

Sources, checked against the public copy of the Partner Center pages in
github.com/lazykern/ecommerce-api-docs (``data/raw/tiktok/api-reference/<module>/<page>.spec.json``,
``data/processed/tiktok/guides/developer-guide``): each call above is its API reference page of
that name; statuses are the ones those pages list (Get Product ``status``; Get Order List
``order_status``: UNPAID, ON_HOLD, AWAITING_SHIPMENT, PARTIALLY_SHIPPING, AWAITING_COLLECTION,
IN_TRANSIT, DELIVERED, COMPLETED, CANCELLED); Update Inventory's body is ``skus[]: {id,
inventory[]: {warehouse_id, quantity}}`` and Update Price's ``skus[]: {id, price: {amount,
currency}}``.

Unverified: the CATEGORY ids below (TikTok Shop VN's category tree is served only to a signed shop
call, "Get Categories"; no public copy of its ids was found), and the auth host's codes
36004001/36004005.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from functools import partial

import httpx

from integrations.adapters import tiktok_auth as auth
from integrations.adapters import tiktok_orders
from integrations.adapters.base import (
    Account,
    CredentialField,
    CredentialsError,
    ListingPayload,
    Rejected,
    RemoteListing,
    RemoteOrder,
    Retryable,
    call_name,
    clip,
    new_client,
    read_photos,
)
from integrations.adapters.leased_tokens import TokenStore
from integrations.adapters.tiktok_auth import TokenExpired
from integrations.adapters.tiktok_desk import TiktokDesk, TiktokRefusal

CODE = "tiktok"
NAME = "TikTok Shop"
# The seller's own app in TikTok Shop Partner Center and the code its authorisation page gave.
CREDENTIALS = (
    CredentialField("app_key", "Mã ứng dụng (App key)", "App key", secret=False),
    CredentialField("app_secret", "Khóa bí mật ứng dụng (App secret)", "App secret"),
    CredentialField("auth_code", "Mã ủy quyền (code)", "Authorization code"),
)
SERVICES = ("tokens", "read_photo")
# The connect flow's redirect (integrations.listings.authorize_pages) fills this field with the code.
AUTH_CODE_FIELD = "auth_code"
# rts_sla_time is "the latest shipping time": Ship Package (arranged) by then, or TikTok may cancel.
ACT_BY_VI = "Cần gửi hàng trước"
RATE_LIMIT_PER_S = 10.0  # TikTok's documented default is per app and API; we stay well under it
NAME_MAX, DESCRIPTION_MAX, IMAGES_MAX = 255, 10000, 9
STOREFRONT = "https://shop.tiktok.com"
PRODUCTS = "/product/202309/products"
SHOPS = "/authorization/202309/shops"
WAREHOUSES = "/logistics/202309/warehouses"
IMAGES = "/product/202309/images/upload"
# Our category -> a TikTok Shop VN leaf category id (the seller may move it in Seller Center).
# Unverified placeholders (see above): a real shop maps them from "Get Categories".
CATEGORY = {
    "rau_cu": 700437, "trai_cay": 700438, "lua_gao": 700439, "thuy_san": 700440, "hai_san": 700441,
    "thit_trung": 700442, "che_ca_phe": 700443, "gia_vi_duoc_lieu": 700444, "mat_ong": 700445,
    "che_bien": 700446, "khac": 700447,
}  # fmt: skip
STATE = {
    "ACTIVATE": "live", "PENDING": "live", "DRAFT": "live", "FAILED": "rejected",
    "SELLER_DEACTIVATED": "delisted", "PLATFORM_DEACTIVATED": "delisted", "FREEZE": "delisted",
    "DELETED": "delisted",
}  # fmt: skip
TAKEN_DOWN = {"PLATFORM_DEACTIVATED", "FREEZE"}
# "Common errors" (Developer guide > TikTok Shop API concepts); 36009004 covers both bad credentials
# and a bad timestamp, told apart by its message. 36004001 / 36004005 (auth host): unverified.
TOKEN_EXPIRED = {105002}
CREDENTIAL_CODES = {105001, 105005, 106001, 36009004, 36004001, 36004005}
THROTTLED = {36009002}


def authorize_url(base_url: str, credentials: dict[str, str], state: str, redirect_uri: str = "") -> str:
    """The seller's consent page for the app ("Authorization overview"); TikTok sends the seller back
    to the redirect URL registered for the app, so ``redirect_uri`` is not sent."""
    return auth.authorize_url(base_url, credentials["app_key"], state)


def check(response: httpx.Response) -> dict:
    """The answer's body, or the classified error its ``code``/``message`` stand for."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code, message, status = body.get("code"), str(body.get("message") or ""), response.status_code
    if status == 429 or code in THROTTLED:  # "Rate limits": HTTP 429
        retry_after = response.headers.get("retry-after")
        raise Retryable(
            f"TikTok {status} {code}", float(retry_after) if retry_after else None, throttled=True
        )
    if status >= 500 or code == 36009007:  # 503 (Rate limits); 36009007 request timeout
        raise Retryable(f"TikTok {status} {code}: {message}")
    if code == 0 and status < 400:
        return body
    if code in TOKEN_EXPIRED:
        raise TokenExpired(f"TikTok Shop: {message or code}")
    if "timestamp" in message.lower():
        raise Retryable(f"TikTok refused our timestamp (is this server's clock right?): {message}")
    if code in CREDENTIAL_CODES or status in (401, 403):
        raise CredentialsError(f"TikTok Shop từ chối thông tin đăng nhập: {message or code}"[:300])
    raise TiktokRefusal(code, message)


class TiktokAdapter(TiktokDesk, auth.TokenKeeper):
    code = CODE

    def __init__(
        self,
        base_url: str,
        timeout_s: float = 10.0,
        tokens: TokenStore | None = None,
        read_photo: Callable[[str], Awaitable[bytes]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = new_client(base_url, timeout_s)
        self.auth_base = auth.auth_base(base_url)
        self.tokens = tokens
        self.read_photo = read_photo
        self.clock = clock  # epoch seconds for timestamps and token expiry; tests move it
        self._lock = asyncio.Lock()
        self.storefront = STOREFRONT if base_url.rstrip("/") == auth.API_HOST else base_url.rstrip("/")

    # ------------------------------------------------------------ transport

    async def _send(self, request: httpx.Request) -> dict:
        try:
            response = await self.client.send(request)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise Retryable(f"{type(exc).__name__}: {exc}", call=call_name(request)) from exc
        try:
            return check(response)
        except Retryable as exc:
            exc.call = call_name(request)
            raise

    def _app(self, account: Account) -> tuple[str, str]:
        app_key = account.credentials.get("app_key", "").strip()
        app_secret = account.credentials.get("app_secret", "")
        if not app_key or not app_secret:
            raise CredentialsError("TikTok Shop: app_key và app_secret là bắt buộc.")
        return app_key, app_secret

    def signed(
        self, account: Account, method: str, path: str, params: dict, token: str, **kwargs
    ) -> httpx.Request:
        """One request, signed as the guide says (JSON bodies are sent as the exact bytes signed)."""
        app_key, app_secret = self._app(account)
        query = {key: str(value) for key, value in params.items()}
        query |= {"app_key": app_key, "timestamp": str(int(self.clock()))}
        body = b""
        if "json" in kwargs:
            body = json.dumps(kwargs.pop("json"), separators=(",", ":"), ensure_ascii=False).encode()
        multipart = "files" in kwargs
        query["sign"] = auth.sign(app_secret, auth.base_string(path, query, body, multipart))
        headers = {auth.TOKEN_HEADER: token} if token else {}
        if body:
            headers["content-type"] = "application/json"
            kwargs["content"] = body
        return self.client.build_request(method, path, params=query, headers=headers, **kwargs)

    async def _shop(self, account: Account, method: str, path: str, **kwargs) -> dict:
        """A shop call with a valid token; a token refused as expired is renewed once."""
        params = kwargs.pop("params", {})
        for forced in (False, True):
            token = await self._access_token(account, forced)
            cipher = await self._cipher(account, token) if path != SHOPS else ""
            query = params | ({"shop_cipher": cipher} if cipher else {})
            try:
                return await self._send(self.signed(account, method, path, query, token, **dict(kwargs)))
            except TokenExpired:
                if forced:
                    raise
        raise Retryable("unreachable")  # pragma: no cover

    async def _cipher(self, account: Account, token: str) -> str:
        """The shop's ``cipher`` from Get Authorized Shops (kept with the credentials once known)."""
        creds = account.credentials
        if not creds.get("shop_cipher"):
            answer = await self._send(self.signed(account, "GET", SHOPS, {}, token))
            shops = (answer.get("data") or {}).get("shops") or []
            ours = [s for s in shops if str(s.get("id")) == account.shop_id]
            if not ours:
                raise CredentialsError(
                    f"TikTok Shop: ứng dụng chưa được ủy quyền cho gian hàng {account.shop_id}."[:300]
                )
            creds["shop_cipher"] = str(ours[0]["cipher"])
        return creds["shop_cipher"]

    # ------------------------------------------------------------ products

    async def _warehouse(self, account: Account) -> str:
        if not account.credentials.get("warehouse_id"):
            answer = await self._shop(account, "GET", WAREHOUSES)
            houses = [
                w
                for w in (answer.get("data") or {}).get("warehouses") or []
                if w.get("type") == "SALES_WAREHOUSE" and w.get("effect_status") == "ENABLED"
            ]
            if not houses:
                raise Rejected(
                    "Gian hàng TikTok Shop chưa có kho bán hàng nào đang hoạt động.",
                    "The TikTok shop has no enabled sales warehouse.",
                )
            chosen = next((w for w in houses if w.get("is_default")), houses[0])
            account.credentials["warehouse_id"] = str(chosen["id"])
        return account.credentials["warehouse_id"]

    async def _upload_images(self, account: Account, payload: ListingPayload) -> list[dict]:
        uris = []
        async for key, data in read_photos(self.read_photo, payload.photo_keys, IMAGES_MAX):
            files = {"data": (key.rsplit("/", 1)[-1], data, "image/webp")}
            # API reference > Product > "Upload Product Image".
            answer = await self._shop(account, "POST", IMAGES, files=files, data={"use_case": "MAIN_IMAGE"})
            uris.append({"uri": str(answer["data"]["uri"])})
        return uris

    async def find_by_sku(self, account: Account, sku: str) -> RemoteListing | None:
        answer = await self._shop(
            account, "POST", f"{PRODUCTS}/search", params={"page_size": 20}, json={"seller_skus": [sku]}
        )
        for product in (answer.get("data") or {}).get("products") or []:
            if any(s.get("seller_sku") == sku for s in product.get("skus") or []):
                return await self.fetch_status(account, str(product["id"]))
        return None

    async def publish(self, account: Account, payload: ListingPayload, idempotency_key: str) -> RemoteListing:
        existing = await self.find_by_sku(account, payload.sku)
        if existing:
            return await self.update(account, existing.external_id, payload, idempotency_key)
        if payload.weight_kg is None:
            raise Rejected(
                "TikTok Shop cần khối lượng gói hàng: hãy nhập khối lượng (gam) cho sản phẩm.",
                "TikTok Shop needs the package weight: enter the product's weight (grams).",
            )
        warehouse = await self._warehouse(account)
        images = await self._upload_images(account, payload)
        body = {
            "title": clip(payload.name, NAME_MAX),
            "description": clip(payload.description or payload.name, DESCRIPTION_MAX),
            "category_id": str(CATEGORY.get(payload.category, CATEGORY["khac"])),
            "main_images": images,
            "package_weight": {"value": f"{payload.weight_kg:g}", "unit": "KILOGRAM"},
            "skus": [
                {
                    "seller_sku": payload.sku,
                    "price": {"amount": str(payload.price_vnd), "currency": "VND"},
                    "inventory": [{"warehouse_id": warehouse, "quantity": max(0, payload.stock)}],
                }
            ],
        }
        answer = await self._shop(account, "POST", PRODUCTS, json=body)
        return await self.fetch_status(account, str(answer["data"]["product_id"]))

    async def _product(self, account: Account, product_id: str) -> dict:
        return (await self._shop(account, "GET", f"{PRODUCTS}/{product_id}"))["data"]

    async def update(
        self, account: Account, external_id: str, payload: ListingPayload, idempotency_key: str
    ) -> RemoteListing:
        """Only the calls whose data TikTok does not hold yet: a retry resumes where it stopped."""
        product = await self._product(account, external_id)
        sku = (product.get("skus") or [{}])[0]
        path = f"{PRODUCTS}/{external_id}"
        title, description = (
            clip(payload.name, NAME_MAX),
            clip(payload.description or payload.name, DESCRIPTION_MAX),
        )
        if product.get("title") != title or product.get("description") != description:
            await self._shop(
                account, "POST", f"{path}/partial_edit", json={"title": title, "description": description}
            )
        if tiktok_orders.money((sku.get("price") or {}).get("sale_price")) != payload.price_vnd:
            price = {"amount": str(payload.price_vnd), "currency": "VND"}
            await self._shop(
                account, "POST", f"{path}/prices/update", json={"skus": [{"id": sku["id"], "price": price}]}
            )
        stock = sum(int(i.get("quantity") or 0) for i in sku.get("inventory") or [])
        if stock != max(0, payload.stock):
            inventory = [{"warehouse_id": await self._warehouse(account), "quantity": max(0, payload.stock)}]
            body = {"skus": [{"id": sku["id"], "inventory": inventory}]}
            await self._shop(account, "POST", f"{path}/inventory/update", json=body)
        if product.get("status") == "SELLER_DEACTIVATED":  # listed again by the farmer
            await self._switch(account, external_id, "activate")
        return await self.fetch_status(account, external_id)

    async def _switch(self, account: Account, product_id: str, verb: str) -> None:
        answer = await self._shop(account, "POST", f"{PRODUCTS}/{verb}", json={"product_ids": [product_id]})
        errors = (answer.get("data") or {}).get("errors") or []
        if errors:
            reason = str(errors[0].get("message") or f"{verb} failed")
            raise Rejected(f"TikTok Shop từ chối: {reason}", reason)

    async def delist(self, account: Account, external_id: str, idempotency_key: str) -> RemoteListing:
        remote = await self.fetch_status(account, external_id)
        if remote.state == "live":
            await self._switch(account, external_id, "deactivate")
            remote = await self.fetch_status(account, external_id)
        return remote

    def _remote(self, product: dict) -> RemoteListing:
        status = str(product.get("status") or "")
        state = STATE.get(status, "live")
        reasons = [r for f in product.get("audit_failed_reasons") or [] for r in f.get("reasons") or []]
        why = "; ".join(str(r) for r in reasons) or status
        return RemoteListing(
            external_id=str(product["id"]),
            external_url=f"{self.storefront}/view/product/{product['id']}",
            state=state,
            reason_vi="" if state == "live" else f"TikTok Shop: {why}",
            reason_en="" if state == "live" else why,
            taken_down=status in TAKEN_DOWN,
        )

    async def fetch_status(self, account: Account, external_id: str) -> RemoteListing:
        return self._remote(await self._product(account, external_id))

    async def fetch_orders(self, account: Account, since: float) -> list[RemoteOrder]:
        return await tiktok_orders.fetch_orders(partial(self._shop, account), since, self.clock())

    async def verify_credentials(self, account: Account) -> None:
        """Trades the code for tokens if need be, then finds the shop's cipher among the authorised shops."""
        token = await self._access_token(account, forced=False)
        account.credentials.pop("shop_cipher", None)
        await self._cipher(account, token)

    async def aclose(self) -> None:
        await self.client.aclose()


ADAPTER = TiktokAdapter
