"""The adapter protocol every marketplace module implements, and its classified errors.

The sync worker only speaks this protocol: a marketplace's wire format (endpoints, auth,
field names, limits) lives entirely in its own module, so changing it is a one-module change.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

import httpx
import msgspec


class AdapterError(Exception):
    """Base of the classified errors an adapter raises."""


class Retryable(AdapterError):
    """Timeouts, connection errors, 5xx, 429: try again later (after ``retry_after`` seconds if given).

    ``throttled``: the marketplace asked us to slow down (429 or Retry-After): the job waits, and
    that uses none of its attempts. ``call`` names the API call that failed (failures are counted
    per call, so a 4-call operation is not four times likelier to give up than a 1-call one).
    """

    def __init__(
        self, detail: str, retry_after: float | None = None, throttled: bool = False, call: str = ""
    ) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.throttled = throttled or retry_after is not None
        self.call = call


class Rejected(AdapterError):
    """The marketplace refused the listing (validation, moderation); shown to the farmer."""

    def __init__(self, reason_vi: str, reason_en: str = "") -> None:
        super().__init__(reason_en or reason_vi)
        self.reason_vi = reason_vi
        self.reason_en = reason_en or reason_vi


class CredentialsError(AdapterError):
    """The seller account's credentials were refused: the account needs attention."""


class ListingPayload(msgspec.Struct):
    """Our side of a listing, marketplace-neutral; each adapter maps it to its wire format."""

    sku: str  # our stable reference: "agm-{listing_id}"
    name: str
    description: str
    category: str
    unit: str
    price_vnd: int
    stock: int
    photo_urls: list[str]
    version: int
    # Our storage keys of the same photos, for marketplaces that take uploads, not URLs (Shopee).
    photo_keys: list[str] = []
    # One selling unit's weight in kg (implied by a mass unit, else as the farmer typed it); None
    # when unknown. Shopee prices shipping by it and refuses a new item without it.
    weight_kg: float | None = None
    # The farmer's answers to what a marketplace asks beyond our fields (Shopee's mandatory category
    # attributes), keyed "<code>.<the marketplace's attribute id>"; each adapter reads its own.
    attributes: dict[str, str] = {}


class RemoteListing(msgspec.Struct):
    """What the marketplace says about one item, in our terms."""

    external_id: str
    external_url: str
    state: str  # live | rejected | delisted
    reason_vi: str = ""
    reason_en: str = ""
    # Removed by the marketplace (moderation), as it says itself; a seller's own delist is not one.
    taken_down: bool = False


# Our order statuses; each adapter maps its marketplace's own words onto these.
ORDER_STATUSES = ("placed", "shipped", "delivered", "cancelled", "returned")
# Where an order may go next: forward only (a pull may skip steps; a finished order stays finished).
ORDER_NEXT = {
    "placed": ("shipped", "delivered", "cancelled", "returned"),
    "shipped": ("delivered", "cancelled", "returned"),
    "delivered": ("returned",),
    "cancelled": (),
    "returned": (),
}


class RemoteOrderItem(msgspec.Struct):
    external_id: str  # the marketplace's item id (our listing's external_id)
    quantity: int
    price_vnd: int  # unit price paid


class RemoteOrder(msgspec.Struct):
    """One order as the marketplace reports it (webhook or pull), in our terms."""

    order_id: str
    status: str  # one of ORDER_STATUSES
    placed_at: float  # epoch seconds
    updated_at: float  # epoch seconds of the status
    amount_vnd: int
    items: list[RemoteOrderItem]
    # What the farmer needs to ship, when the marketplace gives it (no buyer name, phone or address):
    act_by: float | None = None  # epoch seconds: the marketplace's deadline to confirm or ship
    payment: str | None = None  # one of PAYMENTS
    commune: str = ""  # the delivery commune (xã/phường), as the marketplace names it
    # Where the order stands on the desk (one of desk.DESK_STAGES; "" when the report names only
    # the status) and the carrier's tracking number once there is one.
    stage: str = ""
    tracking_number: str = ""


# How the buyer pays: cash to the carrier on delivery, or already paid to the marketplace.
PAYMENTS = ("cod", "prepaid")


class Account(msgspec.Struct):
    shop_id: str
    # An adapter may renew tokens held here (Shopee); whoever stored the account keeps what it finds.
    credentials: dict[str, str]
    account_id: int | None = None  # our MarketplaceAccount row, when there is one yet


class CredentialField(msgspec.Struct, frozen=True):
    """One credential a marketplace's contract needs; the connect form asks for each."""

    name: str  # key in Account.credentials
    label_vi: str
    label_en: str
    secret: bool = True  # secrets are typed into password inputs and never shown again


class MarketplaceAdapter(Protocol):
    code: str
    client: httpx.AsyncClient  # registry.Adapters paces its requests

    async def publish(self, account: Account, payload: ListingPayload, idempotency_key: str) -> RemoteListing:
        """Create the item, or return the existing one with the same ``payload.sku`` (upsert)."""
        ...

    async def update(
        self, account: Account, external_id: str, payload: ListingPayload, idempotency_key: str
    ) -> RemoteListing: ...

    async def delist(self, account: Account, external_id: str, idempotency_key: str) -> RemoteListing: ...

    async def fetch_status(self, account: Account, external_id: str) -> RemoteListing: ...

    async def find_by_sku(self, account: Account, sku: str) -> RemoteListing | None:
        """Our item by our sku, or None: a create whose answer was lost may still have been stored."""
        ...

    async def fetch_orders(self, account: Account, since: float) -> list[RemoteOrder]:
        """The shop's orders created or changed since ``since`` (epoch seconds)."""
        ...

    async def verify_credentials(self, account: Account) -> None:
        """Raise CredentialsError when the shop id and credentials do not work."""
        ...

    async def aclose(self) -> None: ...


def new_client(base_url: str, timeout_s: float) -> httpx.AsyncClient:
    """One pooled client per marketplace, with explicit timeouts and limits."""
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=10)
    # No Nagle: headers and body go out as two writes, and delayed ACKs would add ~40 ms each.
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
        transport=httpx.AsyncHTTPTransport(limits=limits, socket_options=nodelay),
    )


def classify_status(response: httpx.Response) -> None:
    """Raise the classified error for a non-success response (the body shape is shared by contract)."""
    if response.status_code < 400:
        return
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = response.headers.get("retry-after")
        raise Retryable(
            f"HTTP {response.status_code}",
            float(retry_after) if retry_after else None,
            throttled=response.status_code == 429,
        )
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error", {}) if isinstance(body, dict) else {}
    error = error if isinstance(error, dict) else {}
    if response.status_code in (401, 403):
        # The marketplace's own words (Vietnamese first): the seller reads them on the accounts page.
        fallback = f"Sàn từ chối thông tin đăng nhập (mã {response.status_code})."
        raise CredentialsError(str(error.get("message_vi") or error.get("message") or fallback)[:300])
    raise Rejected(
        error.get("message_vi") or f"Sàn từ chối (mã {response.status_code}).",
        error.get("message") or f"Refused by the marketplace (HTTP {response.status_code}).",
    )


async def send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send; transport failures become Retryable (the outcome is unknown, so retry idempotently)."""
    try:
        response = await client.send(request)
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise Retryable(f"{type(exc).__name__}: {exc}", call=call_name(request)) from exc
    try:
        classify_status(response)
    except Retryable as exc:
        exc.call = call_name(request)
        raise
    return response


_HAS_DIGIT = re.compile(r"[0-9]")


def call_name(request: httpx.Request) -> str:
    """The API call, ids left out ("PUT /…/products/{id}" for every product): failures count per call."""
    parts = ["{id}" if _HAS_DIGIT.search(part) else part for part in request.url.path.split("/")]
    return f"{request.method} {'/'.join(parts)}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def read_photos(
    read_photo: Callable[[str], Awaitable[bytes]] | None, keys: list[str], limit: int
) -> AsyncIterator[tuple[str, bytes]]:
    """The listing's first ``limit`` photos, each (key, bytes) read from our store for an adapter
    to upload: none at all, or one unreadable, is refused (a missing file will not heal by retrying)."""
    if not keys or read_photo is None:
        raise Rejected("Sản phẩm cần ít nhất một ảnh.", "At least one photo is required.")
    for key in keys[:limit]:
        try:
            data = await read_photo(key)
        except Exception as exc:
            raise Rejected(
                "Không đọc được ảnh sản phẩm, hãy thêm lại ảnh.", f"Photo unreadable: {exc}"
            ) from exc
        yield key, data
