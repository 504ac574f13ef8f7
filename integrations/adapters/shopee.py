"""Shopee (shopee.vn) adapter: Shopee Open Platform API v2, as published.

Unlike Postmart and Voso, Shopee publishes its seller API; this module follows it (signing and
tokens in ``shopee_auth``). Source: Shopee Open Platform, open.shopee.com "API reference" v2 (each
call's page, named below by its API name: parameters, samples and error list) and "API Best
Practices" guides, checked against their public copy in github.com/lazykern/ecommerce-api-docs
(``data/raw/shopee/apis/<module>/v2.<module>.<call>.json``). Each call's path names its page:
``/api/v2/product/add_item`` follows API reference > Product > v2.product.add_item. Calls used (JSON unless noted; every answer is
``{"error": "", "message": "", "request_id": "…", "response": {…}}``, ``error`` empty on success):
- ``POST /api/v2/auth/token/get``, ``/api/v2/auth/access_token/get`` — tokens (public APIs).
- ``POST /api/v2/media_space/upload_image`` — multipart ``image``, JPG/JPEG/PNG only (our WebP photos
  are re-encoded as JPEG, ``shopee_catalog.to_jpeg``); answers ``image_info.image_id``.
- ``get_category``, ``get_attribute_tree``, ``get_brand_list`` — the leaf category, its mandatory
  attributes and the brand for add_item: ``shopee_catalog`` (cached per shop).
- ``GET  /api/v2/shop/get_shop_info`` — checks the credentials.
- ``GET  /api/v2/product/search_item?item_sku=…`` — find our item again (Shopee has no
  idempotency keys: a publish whose answer was lost must not create a second item, and a delist
  after such a publish must find the item); the candidates' ``item_sku`` in get_item_base_info is
  compared exactly, since a search may match more than our sku.
- ``GET  /api/v2/logistics/get_channel_list`` — the shop's shipping channels
  (``logistics_channel_list: [{"logistics_channel_id", "logistics_channel_name", "enabled"}]``).
- ``POST /api/v2/product/add_item`` — ``item_name``, ``description``, ``item_sku``,
  ``original_price``, ``seller_stock: [{"stock"}]``, ``category_id`` (a leaf), ``attribute_list``,
  ``brand`` (``shopee_catalog.item_fields``), ``image.image_id_list``,
  ``weight`` (kg) and ``logistic_info: [{"logistic_id", "enabled"}]`` (the shop's enabled channels),
  both required by Shopee.
- ``POST /api/v2/product/update_item`` (name, description, weight when known, ``attribute_list`` once
  the farmer's answers are complete), ``update_price``
  (``price_list: [{"original_price"}]``), ``update_stock`` (``stock_list: [{"seller_stock": [{"stock"}]}]``),
  each sent only when get_item_base_info shows Shopee's value differs from ours.
- ``POST /api/v2/product/unlist_item`` — ``item_list: [{"item_id", "unlist"}]`` (also relists).
- ``GET  /api/v2/product/get_item_base_info?item_id_list=…`` — ``item_status`` NORMAL, UNLIST,
  BANNED, SELLER_DELETE, SHOPEE_DELETE, REVIEWING, and ``item_sku``. BANNED and SHOPEE_DELETE are
  Shopee's own takedowns; UNLIST and SELLER_DELETE the seller's.
- ``GET  /api/v2/order/get_order_list``, ``get_order_detail`` — orders (see ``shopee_orders``).
- The order desk's calls (cancel, buyer cancellation, shipping, waybill, escrow): ``shopee_desk``.

Errors (the API reference's common error list: ``error_auth`` "Invalid access_token.",
``error_sign`` "Wrong sign.", ``error_param`` "Invalid partner_id." / "Invalid timestamp",
``error_server``, ``error_inner``, ``error_network``, ``error_system_busy``, ``error_permission``,
``error_shop``; ``invalid_code`` on v2.public.get_access_token): HTTP 429 or a rate-limit code, and
5xx or a server code, are retried; an invalid access
token is renewed once, then (like a wrong sign or a refused shop) is a credentials error; a
stale timestamp means our clock is off and is retried (an operator must fix the clock); any
other ``error`` is a refusal shown to the farmer (``shopee_desk.refusal``); a batch call that failed
for every entry answers ``common.batch_api_all_failed`` and is read entry by entry. Shopee keeps no version on items: a late retry could land after a newer change; the outbox sends
one version of a listing at a time and the next change (or reconciliation) corrects it.

Unverified (in no published copy found; kept because they do no harm when never sent): the
rate-limit codes ``error_rate_limit`` / ``error_too_many_request`` (we rely on HTTP 429), and
``invalid_access_token``, ``invalid_acceess_token``, ``error_partner``, ``error_busy``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

import httpx

from agrimarket.text import ascii_digits
from integrations.adapters import leased_tokens, shopee_orders
from integrations.adapters import shopee_auth as auth
from integrations.adapters import shopee_catalog as catalog
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
from integrations.adapters.leased_tokens import LeasedTokens, TokenStore
from integrations.adapters.shopee_desk import ShopeeDesk, refusal

CODE = "shopee"
NAME = "Shopee"
# API calls per second (each call is paced, and one listing operation is 3-6 of them).
RATE_LIMIT_PER_S = 15.0
# What the order deadline asks of the seller, in this marketplace's terms (the order inbox).
ACT_BY_VI = "Cần gửi hàng trước"  # ship_by_date: handed to the carrier
HANDOVER_VI = "Cần gửi hàng trước"
# The seller's own Shopee app (Seller In-house System) and the code Shopee gave after authorizing it.
CREDENTIALS = (
    CredentialField("partner_id", "Mã đối tác (Partner ID)", "Partner ID", secret=False),
    CredentialField("partner_key", "Khóa đối tác (Partner Key)", "Partner Key"),
    CredentialField("code", "Mã ủy quyền (code)", "Authorization code"),
)
SERVICES = ("tokens", "read_photo")  # what registry.Adapters hands this adapter
NAME_MAX, DESCRIPTION_MAX, IMAGES_MAX = 120, 3000, 9
STOREFRONT = "https://shopee.vn"
# Our category -> a Shopee VN leaf category id (the seller may move it on Shopee).
CATEGORY = catalog.CATEGORY
STATE = {
    "NORMAL": "live", "REVIEWING": "live", "UNLIST": "delisted", "BANNED": "delisted",
    "SELLER_DELETE": "delisted", "SHOPEE_DELETE": "delisted",
}  # fmt: skip
TAKEN_DOWN = {"BANNED", "SHOPEE_DELETE"}  # by Shopee, not by the seller
TOKEN_ERRORS = {"error_auth", "invalid_access_token", "invalid_acceess_token"}
CREDENTIAL_ERRORS = {"error_sign", "error_permission", "error_shop", "error_partner", "invalid_code"}
RATE_ERRORS = {"error_rate_limit", "error_too_many_request"}
SERVER_ERRORS = {"error_server", "error_inner", "error_network", "error_busy", "error_system_busy"}
CHANNEL_LIST = "/api/v2/logistics/get_channel_list"
BATCH_FAILED = "common.batch_api_all_failed"


class TokenExpired(CredentialsError):
    """The access token was refused: renew it once before giving up."""


def check(response: httpx.Response) -> dict:
    """The answer's body, or the classified error its ``error``/``message`` stand for."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    error, message = str(body.get("error") or ""), str(body.get("message") or "")
    status = response.status_code
    if status == 429 or error in RATE_ERRORS:
        retry_after = response.headers.get("retry-after")
        raise Retryable(
            f"Shopee {status} {error}", float(retry_after) if retry_after else None, throttled=True
        )
    if status >= 500 or error in SERVER_ERRORS:
        raise Retryable(f"Shopee {status} {error}: {message}")
    batch_failed = error == BATCH_FAILED and (body.get("response") or {}).get("result_list")
    if (not error and status < 400) or batch_failed:
        return body  # a batch call's failures are read per entry (result_list[].fail_error)
    if error in TOKEN_ERRORS:
        raise TokenExpired(f"Shopee: {message or error}")
    if error in CREDENTIAL_ERRORS or status in (401, 403):
        raise CredentialsError(f"Shopee từ chối thông tin đăng nhập: {message or error}"[:300])
    if "timestamp" in message.lower():
        raise Retryable(f"Shopee refused our timestamp (is this server's clock right?): {message}")
    raise refusal(error, message)


def item_body(payload: ListingPayload) -> dict:
    """What add_item and update_item share: name, description, sku and, when known, weight in kg."""
    body = {
        "item_name": clip(payload.name, NAME_MAX),
        "description": clip(payload.description or payload.name, DESCRIPTION_MAX),
        "item_sku": payload.sku,
    }
    return body if payload.weight_kg is None else body | {"weight": payload.weight_kg}


class ShopeeAdapter(ShopeeDesk, LeasedTokens):
    code = CODE
    TOKENS_OF = NAME
    RENEW_AHEAD_S = auth.RENEW_AHEAD_S

    def __init__(
        self,
        base_url: str,
        timeout_s: float = 10.0,
        tokens: TokenStore | None = None,
        read_photo: Callable[[str], Awaitable[bytes]] | None = None,
        clock: Callable[[], float] = leased_tokens.now,
    ) -> None:
        self.client = new_client(base_url, timeout_s)
        self.tokens = tokens
        self.read_photo = read_photo
        # Epoch seconds for timestamps and token expiry; tests skew or move it instead of waiting.
        self.clock = clock
        self._lock = asyncio.Lock()
        self.catalog = catalog.Catalog(clock=lambda: self.clock())  # the shop's categories, on our clock
        # The simulator serves its own product pages; the real API's items live on shopee.vn.
        self.storefront = STOREFRONT if "shopeemobile.com" in base_url else base_url.rstrip("/")

    # ------------------------------------------------------------ transport

    async def _send(self, request: httpx.Request, raw: bool = False) -> dict:
        """The checked answer; with ``raw``, a file answered (not JSON) as ``{"waybill": bytes}``."""
        try:
            response = await self.client.send(request)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise Retryable(f"{type(exc).__name__}: {exc}", call=call_name(request)) from exc
        if raw and response.status_code == 200 and "json" not in response.headers.get("content-type", ""):
            return {"waybill": response.content}
        try:
            return check(response)
        except Retryable as exc:
            exc.call = call_name(request)
            raise

    def _partner(self, account: Account) -> tuple[str, str]:
        partner_id = account.credentials.get("partner_id", "").strip()
        partner_key = account.credentials.get("partner_key", "")
        if not ascii_digits(partner_id) or not partner_key:
            raise CredentialsError("Shopee: partner_id (số) và partner_key là bắt buộc.")
        if not ascii_digits(account.shop_id):
            raise CredentialsError("Shopee: mã gian hàng (shop_id) là một dãy số.")
        return partner_id, partner_key

    async def _public(self, account: Account, path: str, **kwargs) -> dict:
        partner_id, partner_key = self._partner(account)
        params = auth.common_params(partner_id, partner_key, path, int(self.clock()))
        return await self._send(self.client.build_request("POST", path, params=params, **kwargs))

    async def _shop(self, account: Account, method: str, path: str, **kwargs) -> dict:
        """A shop-level call with a valid token; a refused token is renewed once."""
        partner_id, partner_key = self._partner(account)
        query, raw = kwargs.pop("params", {}), kwargs.pop("raw", False)
        for forced in (False, True):
            token = await self._access_token(account, forced)
            params = query | auth.common_params(
                partner_id, partner_key, path, int(self.clock()), token, account.shop_id
            )
            try:
                return await self._send(self.client.build_request(method, path, params=params, **kwargs), raw)
            except TokenExpired:
                if forced:
                    raise
        raise Retryable("unreachable")  # pragma: no cover

    # ------------------------------------------------------------ tokens

    async def _renew(self, account: Account) -> None:
        """Trade the refresh token (or, the first time, the authorization code) for a new pair."""
        creds = account.credentials
        body: dict = {"partner_id": int(self._partner(account)[0]), "shop_id": int(account.shop_id)}
        if creds.get("refresh_token"):
            path, body["refresh_token"] = auth.TOKEN_REFRESH, creds["refresh_token"]
        elif creds.get("code"):
            path, body["code"] = auth.TOKEN_GET, creds["code"]
        else:
            raise CredentialsError("Shopee: thiếu mã ủy quyền, hãy kết nối lại gian hàng.")
        try:
            answer = await self._public(account, path, json=body)
        except (TokenExpired, Rejected) as exc:
            raise CredentialsError(f"Shopee không cấp lại phiên truy cập: {exc}"[:300]) from exc
        creds["access_token"] = str(answer["access_token"])
        creds["refresh_token"] = str(answer["refresh_token"])
        creds["expire_at"] = str(int(self.clock()) + int(answer.get("expire_in") or 14400))
        creds.pop("code", None)  # single use

    # ------------------------------------------------------------ items

    async def _upload_images(self, account: Account, payload: ListingPayload) -> list[str]:
        ids = []
        async for key, data in read_photos(self.read_photo, payload.photo_keys, IMAGES_MAX):
            name = key.rsplit("/", 1)[-1].rsplit(".", 1)[0] + ".jpg"
            image = (name, await catalog.jpeg(data), "image/jpeg")  # Shopee takes no WebP
            answer = await self._public(account, "/api/v2/media_space/upload_image", files={"image": image})
            ids.append(str(answer["response"]["image_info"]["image_id"]))
        return ids

    async def find_by_sku(self, account: Account, sku: str) -> RemoteListing | None:
        answer = await self._shop(
            account,
            "GET",
            "/api/v2/product/search_item",
            params={"item_sku": sku, "page_size": 20, "offset": 0},
        )
        found = (answer.get("response") or {}).get("item_id_list") or []
        if not found:
            return None
        items = await self._base_info(account, ",".join(str(i) for i in found))
        ours = [item for item in items if item.get("item_sku") == sku]
        return self._remote(account, ours[0]) if ours else None

    async def _logistic_info(self, account: Account) -> list[dict]:
        """The shipping channels the seller turned on in Seller Centre, all offered for the new item."""
        answer = await self._shop(account, "GET", CHANNEL_LIST)
        channels = (answer.get("response") or {}).get("logistics_channel_list") or []
        enabled = [
            {"logistic_id": int(channel["logistics_channel_id"]), "enabled": True}
            for channel in channels
            if channel.get("enabled")
        ]
        if not enabled:
            raise Rejected(
                "Gian hàng Shopee chưa bật đơn vị vận chuyển nào. "
                "Hãy bật ít nhất một đơn vị vận chuyển trong Shopee Seller Centre.",
                "The Shopee shop has no shipping channel on. Turn on at least one in Shopee Seller Centre.",
            )
        return enabled

    async def publish(self, account: Account, payload: ListingPayload, idempotency_key: str) -> RemoteListing:
        existing = await self.find_by_sku(account, payload.sku)
        if existing:
            return await self.update(account, existing.external_id, payload, idempotency_key)
        if payload.weight_kg is None:  # Shopee would refuse the item; say what to fix before uploading
            raise Rejected(
                "Shopee cần khối lượng mỗi đơn vị hàng: hãy nhập khối lượng (gam) cho sản phẩm.",
                "Shopee needs the weight of one unit: enter the product's weight (grams).",
            )
        # Leaf category, mandatory attributes and brand first: a missing answer uploads nothing.
        fields = await self.catalog.item_fields(account, partial(self._shop, account), payload)
        logistic_info = await self._logistic_info(account)
        image_ids = await self._upload_images(account, payload)
        body = (
            item_body(payload)
            | fields
            | {
                "logistic_info": logistic_info,
                "original_price": float(payload.price_vnd),
                "seller_stock": [{"stock": max(0, payload.stock)}],
                "image": {"image_id_list": image_ids},
                "condition": "NEW",
                "item_status": "NORMAL",
            }
        )
        answer = await self._shop(account, "POST", "/api/v2/product/add_item", json=body)
        return await self.fetch_status(account, str(answer["response"]["item_id"]))

    async def update(
        self, account: Account, external_id: str, payload: ListingPayload, idempotency_key: str
    ) -> RemoteListing:
        """Only the calls whose data Shopee does not hold yet: a retry after one failed call resumes
        where the operation stopped instead of sending every call again."""
        item_id = int(external_id)
        items = await self._base_info(account, external_id)
        if not items:
            raise Rejected("Shopee không còn sản phẩm này.", "Shopee has no such item.")
        current = items[0]
        body = item_body(payload) | await self._attributes(account, payload)
        if any(current.get(key) != value for key, value in body.items()):
            await self._shop(account, "POST", "/api/v2/product/update_item", json={"item_id": item_id} | body)
        prices = current.get("price_info") or [{}]
        if prices[0].get("original_price") != payload.price_vnd:
            price = {"item_id": item_id, "price_list": [{"original_price": float(payload.price_vnd)}]}
            await self._shop(account, "POST", "/api/v2/product/update_price", json=price)
        stock_now = ((current.get("stock_info_v2") or {}).get("summary_info") or {}).get(
            "total_available_stock"
        )
        if stock_now != max(0, payload.stock):
            stock = {"item_id": item_id, "stock_list": [{"seller_stock": [{"stock": max(0, payload.stock)}]}]}
            await self._shop(account, "POST", "/api/v2/product/update_stock", json=stock)
        remote = self._remote(account, current)  # name, price and stock do not change the status
        if remote.state == "delisted" and remote.reason_en == "UNLIST":
            await self._unlist(account, item_id, unlist=False)  # listed again by the farmer
            remote = await self.fetch_status(account, external_id)
        return remote

    async def _attributes(self, account: Account, payload: ListingPayload) -> dict:
        """The farmer's answers changed after the item went up: ``attribute_list`` for update_item.
        Answers still incomplete leave Shopee's attributes as they are (the item is already up)."""
        if not payload.attributes:
            return {}
        try:
            fields = await self.catalog.item_fields(account, partial(self._shop, account), payload)
        except Rejected:
            return {}
        return {"attribute_list": fields["attribute_list"]}

    async def _unlist(self, account: Account, item_id: int, unlist: bool) -> None:
        body = {"item_list": [{"item_id": item_id, "unlist": unlist}]}
        answer = await self._shop(account, "POST", "/api/v2/product/unlist_item", json=body)
        failed = (answer.get("response") or {}).get("failure_list") or []
        if failed:
            reason = str(failed[0].get("failed_reason") or "unlist failed")
            raise Rejected(f"Shopee từ chối: {reason}", reason)

    async def delist(self, account: Account, external_id: str, idempotency_key: str) -> RemoteListing:
        await self._unlist(account, int(external_id), unlist=True)
        return await self.fetch_status(account, external_id)

    async def _base_info(self, account: Account, item_ids: str) -> list[dict]:
        answer = await self._shop(
            account, "GET", "/api/v2/product/get_item_base_info", params={"item_id_list": item_ids}
        )
        return (answer.get("response") or {}).get("item_list") or []

    def _remote(self, account: Account, item: dict) -> RemoteListing:
        status = str(item.get("item_status") or "")
        state = STATE.get(status, "live")
        return RemoteListing(
            external_id=str(item["item_id"]),
            external_url=f"{self.storefront}/product/{account.shop_id}/{item['item_id']}",
            state=state,
            # Why it is down, in Shopee's words; UNLIST is the seller's own choice.
            reason_vi="" if state == "live" else f"Shopee: {status}",
            reason_en="" if state == "live" else status,
            taken_down=status in TAKEN_DOWN,
        )

    async def fetch_status(self, account: Account, external_id: str) -> RemoteListing:
        items = await self._base_info(account, external_id)
        if not items:
            raise Rejected("Shopee không còn sản phẩm này.", "Shopee has no such item.")
        return self._remote(account, items[0])

    async def fetch_orders(self, account: Account, since: float) -> list[RemoteOrder]:
        return await shopee_orders.fetch_orders(partial(self._shop, account), since)

    async def farmer_questions(self, account: Account) -> list[catalog.Question]:
        """The mandatory attributes of our categories' leaves that only the farmer can answer."""
        return await self.catalog.questions(account, partial(self._shop, account))

    async def verify_credentials(self, account: Account) -> None:
        await self._shop(account, "GET", "/api/v2/shop/get_shop_info")

    async def aclose(self) -> None:
        await self.client.aclose()


ADAPTER = ShopeeAdapter
