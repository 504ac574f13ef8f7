"""Lazada Open Platform adapter (Lazada Vietnam), as Lazada's published API reference documents it.

Sources: Lazada Open Platform, open.lazada.com "API reference" (each API's page: parameters,
response and error codes) and "Developer's guide" pages, checked against the public copies of
those pages in github.com/lazykern/ecommerce-api-docs (``data/raw/lazada/apis/<api>/<name>.json``,
``data/processed/lazada/guides``), 2025 snapshot. Each call below names its page.

Signing and authorization: ``lazada_auth``. Every call is ``POST`` (writes) or ``GET`` (reads) on
``<gateway>/rest<api path>`` with the signed parameters as form fields or query; the answer is
``{"code": "0", "data": …, "request_id": …}``, or an error ``{"type": "ISV"|"ISP"|"SYSTEM",
"code", "message", "request_id"}`` (Developer's guide > "Error messages"). The calls (API
reference > Product API; Lazada takes the ``payload`` as JSON as well as XML, "JSON format demo"
guide, open.alitrip.com articleId 120759, which lists CreateProduct, UpdateProduct,
UpdatePriceQuantity, SetImages and DeactivateProduct):

- ``POST /image/migrate`` (MigrateImage): ``payload`` ``{"Request": {"Image": {"Url": …}}}``;
  answers ``data.image.url`` and ``data.image.hash_code``; error 302 "Not supported URL".
- ``POST /product/create`` (CreateProduct): ``payload`` with ``Request.Product``:
  ``PrimaryCategory``, ``Images.Image[]``, ``Attributes`` (``name``, ``description``,
  ``short_description``, ``brand`` "No Brand") and ``Skus.Sku[]`` (``SellerSku``, ``quantity``,
  ``price``, ``package_weight`` kg, ``package_length``/``width``/``height`` cm); answers
  ``data.item_id``, ``data.item_status`` and ``data.sku_list[]`` (``seller_sku``, ``sku_id``,
  ``shop_sku``). Errors: 201 "Invalid CategoryId", 4105 BIZ_CHECK_SELLER_SKU_DUPLICATE (also
  4126, "SellerSku repeat"), 901 "request is too frequent".
- ``POST /product/update`` (UpdateProduct): ``payload`` ``Request.Product.ItemId``,
  ``Attributes``, ``Skus``; 208 "Item not exist".
- ``POST /product/price_quantity/update`` (UpdatePriceQuantity): ``payload``
  ``Request.Product.Skus.Sku[]`` with ``ItemId``, ``SkuId``, ``SellerSku``, ``Price``,
  ``Quantity``; 207 "SKU not exist". (The page's demo now shows per-warehouse
  ``MultiWarehouseInventories``; a single-warehouse seller's ``Quantity`` is the older form.)
- ``POST /product/deactivate`` (DeactivateProduct): ``apiRequestBody`` (not ``payload``)
  ``{"Request": {"Product": {"ItemId": …}}}``: "ItemId is mandatory, Skus is optional", and
  ``SellerSku`` there is no longer supported (error 4193); E0004 "Product Status not online" when
  already inactive, so we read the status first.
- ``GET /product/item/get`` (GetProductItem): ``item_id``; answers ``data.status`` (``Active``,
  ``InActive``, ``Pending QC``, ``Suspended``, ``Deleted``), ``data.attributes``, ``data.skus[]``
  (``SellerSku``, ``SkuId``, ``ShopSku``, ``quantity``, ``price``, ``Status``).
- ``GET /products/get`` (GetProducts): ``filter=all``, ``sku_seller_list`` (a JSON array);
  answers ``data.total_products``, ``data.products[]``.
- ``GET /seller/get`` (GetSeller, API reference > Seller API): checks the tokens at connect time.

Unverified (no published copy found): the rate-limit codes ``AppCallLimit`` and
``SellerCallLimit`` (``ApiCallLimit`` is in the "Create/Update Product Q&A" guide, 901 on the API
pages), and ``InvalidAccessToken`` / ``InvalidAppKey`` / ``InsufficientPermission``
(``IllegalAccessToken``, ``IncompleteSignature``, ``InvalidCode`` are documented). The CATEGORY ids
below are placeholders: Lazada VN's category tree (GetCategoryTree) needs a seller's token, and
no public copy gives its fresh-produce leaf ids.

Orders: ``lazada_orders``. The official SDK (PyPI ``lazop-sdk``) is synchronous (``requests``) and
logs into ``~/logs``: it does not fit our pooled, paced async httpx client, so it is used only in a
test, against our simulator. Lazada keeps no idempotency keys: a create is preceded by a look-up
by ``SellerSku`` (our sku), and the other writes set values, so repeating one changes nothing.
The order desk (pack, ready to ship, waybill, cancel with Lazada's reasons): ``lazada_desk``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import partial

import httpx

from integrations.adapters import lazada_auth as auth
from integrations.adapters import lazada_orders, leased_tokens
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
)
from integrations.adapters.lazada_desk import LazadaDesk, refusal
from integrations.adapters.leased_tokens import LeasedTokens, TokenStore

CODE = "lazada"
NAME = "Lazada"
# Lazada's limits are per app and seller; well under them, each call paced.
RATE_LIMIT_PER_S = 10.0
ACT_BY_VI = "Cần sẵn sàng giao trước"  # Lazada: ready_to_ship before the SLA
HANDOVER_VI = "Cần giao cho đơn vị vận chuyển trước"
# The seller's Lazada app (Lazada Open Platform console) and the code Lazada's consent page gave.
CREDENTIALS = (
    CredentialField("app_key", "Mã ứng dụng (App Key)", "App Key", secret=False),
    CredentialField("app_secret", "Khóa bí mật (App Secret)", "App Secret"),
    # Single use and short-lived: shown, so Lazada's redirect back can fill it in.
    CredentialField("code", "Mã ủy quyền (code)", "Authorization code", secret=False),
)
# Filled by Lazada's redirect back from its consent page (``listings.authorize_pages``).
AUTH_CODE_FIELD = "code"
SERVICES = ("tokens",)
NAME_MAX, DESCRIPTION_MAX, IMAGES_MAX = 255, 25000, 8
STOREFRONT = "https://www.lazada.vn"
# Our category -> a Lazada VN category id. Unverified placeholders (see above): a real shop must
# map them from GetCategoryTree (/category/tree/get) before going live.
CATEGORY = {
    "rau_cu": "10000400", "trai_cay": "10000401", "lua_gao": "10000410", "thuy_san": "10000420",
    "hai_san": "10000421", "thit_trung": "10000430", "che_ca_phe": "10000440",
    "gia_vi_duoc_lieu": "10000450", "mat_ong": "10000460", "che_bien": "10000470", "khac": "10000499",
}  # fmt: skip
# GetProductItem's ``status``; "Pending QC" is under review, shown as live as Shopee's REVIEWING is.
STATE = {"active": "live", "pending qc": "live", "inactive": "delisted", "deleted": "delisted"}
TAKEN_DOWN = {"suspended"}
TOKEN_ERRORS = {"IllegalAccessToken", "InvalidAccessToken"}
CREDENTIAL_ERRORS = {"IncompleteSignature", "InvalidAppKey", "InsufficientPermission", "InvalidCode"}
RATE_ERRORS = {"901", "ApiCallLimit", "AppCallLimit", "SellerCallLimit"}
SERVER_ERRORS = {"ServiceTimeout", "InternalError", "ServiceUnavailable", "1000"}
# CreateProduct: the SellerSku is taken (BIZ_CHECK_SELLER_SKU_DUPLICATE, THD_IC_F_IC_INFRA_PRODUCT_036).
DUPLICATE_SKU = {"4105", "4126"}
# A fresh produce parcel: one unit in a 20 cm box when the farmer gave no size.
BOX_CM = "20"


class TokenExpired(CredentialsError):
    """The access token was refused: renew it once before giving up."""


def check(response: httpx.Response) -> dict:
    """The answer's body, or the classified error its ``type``/``code``/``message`` stand for."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code, message = str(body.get("code", "")), str(body.get("message") or "")
    status = response.status_code
    if status == 429 or code in RATE_ERRORS:
        retry_after = response.headers.get("retry-after")
        raise Retryable(
            f"Lazada {status} {code}", float(retry_after) if retry_after else None, throttled=True
        )
    if status >= 500 or code in SERVER_ERRORS or body.get("type") == "SYSTEM":
        raise Retryable(f"Lazada {status} {code}: {message}")
    if code == "0" and status < 400:
        return body
    if code in TOKEN_ERRORS:
        raise TokenExpired(f"Lazada: {message or code}")
    if code in CREDENTIAL_ERRORS or status in (401, 403):
        raise CredentialsError(f"Lazada từ chối thông tin đăng nhập: {message or code}"[:300])
    if "timestamp" in code.lower():
        raise Retryable(f"Lazada refused our timestamp (is this server's clock right?): {message}")
    raise refusal(code, message)  # in Vietnamese when the desk knows the code


def product(payload: ListingPayload, images: list[str] | None = None) -> dict:
    """``Request.Product`` of CreateProduct / UpdateProduct."""
    weight = payload.weight_kg if payload.weight_kg is not None else 1.0
    sku = {
        "SellerSku": payload.sku,
        "quantity": str(max(0, payload.stock)),
        "price": str(payload.price_vnd),
        "package_weight": f"{weight:.2f}",
        "package_length": BOX_CM,
        "package_width": BOX_CM,
        "package_height": BOX_CM,
    }
    body: dict = {
        "PrimaryCategory": CATEGORY.get(payload.category, CATEGORY["khac"]),
        "Attributes": {
            "name": clip(payload.name, NAME_MAX),
            "description": clip(payload.description or payload.name, DESCRIPTION_MAX),
            "short_description": clip(payload.description or payload.name, 500),
            "brand": "No Brand",
        },
        "Skus": {"Sku": [sku]},
    }
    return body | ({"Images": {"Image": images}} if images is not None else {})


def _payload(request: dict) -> str:
    return json.dumps({"Request": request}, ensure_ascii=False, separators=(",", ":"))


def _is_lazada(base_url: str) -> bool:
    """Lazada's own hosts (else the simulator, which answers every call on one host)."""
    return base_url.startswith(("https://api.lazada.", "https://auth.lazada."))


def authorize_url(base_url: str, credentials: dict[str, str], state: str, redirect_uri: str) -> str:
    """Lazada's consent page for the seller's app (Seller authorization; the simulator's own in
    development), which sends the seller back to ``redirect_uri`` with the code."""
    host = auth.AUTH_HOST if _is_lazada(base_url) else base_url.rstrip("/")
    return auth.authorize_url(host, credentials["app_key"], redirect_uri, state)


class LazadaAdapter(LazadaDesk, LeasedTokens):
    code = CODE
    TOKENS_OF = NAME
    RENEW_AHEAD_S = auth.RENEW_AHEAD_S

    def __init__(
        self,
        base_url: str,
        timeout_s: float = 10.0,
        tokens: TokenStore | None = None,
        clock: Callable[[], float] = leased_tokens.now,
    ) -> None:
        self.client = new_client(base_url, timeout_s)
        self.tokens = tokens
        self.clock = clock
        self._lock = asyncio.Lock()
        real = _is_lazada(base_url)
        # Tokens are created on auth.lazada.com; the simulator answers both on one host.
        self.auth_base = f"{auth.AUTH_HOST}/rest" if real else base_url.rstrip("/")
        # Lazada's product pages, or the simulator's own.
        self.item_url = f"{STOREFRONT}/products/i{{}}.html" if real else base_url.rstrip("/") + "/item/{}"

    # ------------------------------------------------------------ transport

    def _app(self, account: Account) -> tuple[str, str]:
        app_key = account.credentials.get("app_key", "").strip()
        app_secret = account.credentials.get("app_secret", "")
        if not app_key or not app_secret:
            raise CredentialsError("Lazada: App Key và App Secret là bắt buộc.")
        return app_key, app_secret

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

    def _request(self, account: Account, method: str, path: str, token: str, params: dict) -> httpx.Request:
        app_key, app_secret = self._app(account)
        base = self.auth_base if path in (auth.TOKEN_CREATE, auth.TOKEN_REFRESH) else ""
        signed = auth.signed(app_key, app_secret, path, int(self.clock() * 1000), token, **params)
        if method == "GET":
            return self.client.build_request("GET", base + path, params=signed)
        # The SDK's way: every parameter, sign included, in the form body.
        return self.client.build_request("POST", base + path, data=signed)

    async def _call(self, account: Account, method: str, path: str, **params: str) -> dict:
        """A seller call with a valid token; a refused token is renewed once."""
        for forced in (False, True):
            token = await self._access_token(account, forced)
            try:
                return await self._send(self._request(account, method, path, token, params))
            except TokenExpired:
                if forced:
                    raise
        raise Retryable("unreachable")  # pragma: no cover

    # ------------------------------------------------------------ tokens

    async def _renew(self, account: Account) -> None:
        creds = account.credentials
        if creds.get("refresh_token"):
            path, params = auth.TOKEN_REFRESH, {"refresh_token": creds["refresh_token"]}
        elif creds.get("code"):
            path, params = auth.TOKEN_CREATE, {"code": creds["code"]}
        else:
            raise CredentialsError("Lazada: thiếu mã ủy quyền, hãy kết nối lại gian hàng.")
        try:
            answer = await self._send(self._request(account, "POST", path, "", params))
        except (TokenExpired, Rejected) as exc:
            raise CredentialsError(f"Lazada không cấp lại phiên truy cập: {exc}"[:300]) from exc
        sellers = [str(info.get("seller_id")) for info in answer.get("country_user_info") or []]
        if sellers and account.shop_id not in sellers:
            raise CredentialsError(f"Lazada: mã ủy quyền này thuộc gian hàng {', '.join(sellers)}.")
        creds["access_token"] = str(answer["access_token"])
        creds["refresh_token"] = str(answer["refresh_token"])
        creds["expire_at"] = str(int(self.clock()) + int(answer.get("expires_in") or 604800))
        creds.pop("code", None)  # single use

    # ------------------------------------------------------------ items

    async def _images(self, account: Account, payload: ListingPayload) -> list[str]:
        """Our photos copied onto Lazada (MigrateImage): products may only show Lazada's URLs."""
        urls = payload.photo_urls[:IMAGES_MAX]
        if not urls:
            raise Rejected("Sản phẩm cần ít nhất một ảnh.", "At least one photo is required.")
        migrated = []
        for url in urls:
            # API reference > Product API > MigrateImage (/image/migrate).
            answer = await self._call(
                account, "POST", "/image/migrate", payload=_payload({"Image": {"Url": url}})
            )
            migrated.append(str(answer["data"]["image"]["url"]))
        return migrated

    async def _item(self, account: Account, external_id: str) -> dict:
        # API reference > Product API > GetProductItem (/product/item/get).
        answer = await self._call(account, "GET", "/product/item/get", item_id=external_id)
        return answer.get("data") or {}

    def _remote(self, item: dict) -> RemoteListing:
        status = str(item.get("status") or "")
        state = STATE.get(status.lower(), "rejected")
        return RemoteListing(
            external_id=str(item["item_id"]),
            external_url=self.item_url.format(item["item_id"]),
            state=state,
            reason_vi="" if state == "live" else f"Lazada: {status}",
            reason_en="" if state == "live" else status,
            taken_down=status.lower() in TAKEN_DOWN,
        )

    async def find_by_sku(self, account: Account, sku: str) -> RemoteListing | None:
        # API reference > Product API > GetProducts (/products/get).
        answer = await self._call(
            account, "GET", "/products/get", filter="all", sku_seller_list=json.dumps([sku])
        )
        for item in (answer.get("data") or {}).get("products") or []:
            if any(s.get("SellerSku") == sku for s in item.get("skus") or []):
                return self._remote(item)
        return None

    async def publish(self, account: Account, payload: ListingPayload, idempotency_key: str) -> RemoteListing:
        existing = await self.find_by_sku(account, payload.sku)
        if existing:
            return await self.update(account, existing.external_id, payload, idempotency_key)
        images = await self._images(account, payload)
        body = _payload({"Product": product(payload, images)})
        try:
            # API reference > Product API > CreateProduct (/product/create).
            answer = await self._call(account, "POST", "/product/create", payload=body)
        except Rejected:
            # A create whose answer was lost is refused the second time (DUPLICATE_SKU): take it.
            existing = await self.find_by_sku(account, payload.sku)
            if existing is None:
                raise
            return await self.update(account, existing.external_id, payload, idempotency_key)
        return await self.fetch_status(account, str(answer["data"]["item_id"]))

    async def update(
        self, account: Account, external_id: str, payload: ListingPayload, idempotency_key: str
    ) -> RemoteListing:
        item = await self._item(account, external_id)
        if not item:
            raise Rejected("Lazada không còn sản phẩm này.", "Lazada has no such item.")
        attributes = item.get("attributes") or {}
        wanted = product(payload)
        if any(attributes.get(k) != v for k, v in wanted["Attributes"].items() if k != "brand"):
            body = {"Product": {"ItemId": external_id} | wanted}
            # API reference > Product API > UpdateProduct (/product/update).
            await self._call(account, "POST", "/product/update", payload=_payload(body))
        skus = item.get("skus") or [{}]
        current = skus[0]
        if current.get("price") != payload.price_vnd or current.get("quantity") != max(0, payload.stock):
            sku = {
                "ItemId": external_id,
                "SkuId": str(current.get("SkuId", "")),
                "SellerSku": payload.sku,
                "Price": str(payload.price_vnd),
                "Quantity": str(max(0, payload.stock)),
            }
            body = {"Product": {"Skus": {"Sku": [sku]}}}
            # API reference > Product API > UpdatePriceQuantity (/product/price_quantity/update).
            await self._call(account, "POST", "/product/price_quantity/update", payload=_payload(body))
        remote = self._remote(item)
        if remote.state == "delisted" and not remote.taken_down:
            # Listed again by the farmer: UpdateProduct with the SKU's Status active brings it back.
            body = {
                "Product": {
                    "ItemId": external_id,
                    "Skus": {"Sku": [{"SellerSku": payload.sku, "Status": "active"}]},
                }
            }
            await self._call(account, "POST", "/product/update", payload=_payload(body))
            remote = await self.fetch_status(account, external_id)
        return remote

    async def delist(self, account: Account, external_id: str, idempotency_key: str) -> RemoteListing:
        item = await self._item(account, external_id)
        if not item:
            raise Rejected("Lazada không còn sản phẩm này.", "Lazada has no such item.")
        if str(item.get("status", "")).lower() == "active":  # deactivating twice is no error, but no call
            # API reference > Product API > DeactivateProduct: ``apiRequestBody``, ItemId only
            # (the whole product; a SKU list is optional and may no longer name SellerSku).
            body = _payload({"Product": {"ItemId": external_id}})
            await self._call(account, "POST", "/product/deactivate", apiRequestBody=body)
            item = await self._item(account, external_id)
        return self._remote(item)

    async def fetch_status(self, account: Account, external_id: str) -> RemoteListing:
        item = await self._item(account, external_id)
        if not item:
            raise Rejected("Lazada không còn sản phẩm này.", "Lazada has no such item.")
        return self._remote(item)

    async def fetch_orders(self, account: Account, since: float) -> list[RemoteOrder]:
        return await lazada_orders.fetch_orders(partial(self._call, account), since)

    async def verify_credentials(self, account: Account) -> None:
        """Trades the authorization code for tokens (kept in the credentials) and reads the seller."""
        # API reference > Seller API > GetSeller (/seller/get).
        answer = await self._call(account, "GET", "/seller/get")
        seller = str((answer.get("data") or {}).get("seller_id", ""))
        if seller and seller != account.shop_id:
            raise CredentialsError(
                f"Lazada: các khóa này thuộc gian hàng {seller}, không phải {account.shop_id}."
            )

    async def aclose(self) -> None:
        await self.client.aclose()


ADAPTER = LazadaAdapter
