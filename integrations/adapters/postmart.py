"""Postmart (postmart.vn, Vietnam Post) adapter and its partner contract.

Postmart publishes no open seller API we can cite; this module *defines* the contract we
speak (the simulator in ``integrations.simulators.postmart`` implements the same one).

Contract (base URL ``{base}``, JSON bodies, UTF-8):
- Authentication: every request carries ``X-PM-Key: {api_key}``, ``X-PM-Timestamp: {unix seconds}``
  and ``X-PM-Signature: hex(HMAC-SHA256(api_secret, METHOD + "\\n" + PATH + "\\n" + TIMESTAMP + "\\n"
  + hex(SHA-256(body))))``. Requests more than 300 s off the server clock are refused (401).
- ``GET  /api/partner/v1/shops/{shop_id}`` — check the credentials (200, or 401/403).
- ``POST /api/partner/v1/shops/{shop_id}/products`` — publish; an upsert keyed by ``sku``.
- ``PUT  /api/partner/v1/shops/{shop_id}/products/{id}`` — replace; ``version`` lower than the
  stored one is acknowledged but not applied (late retries never overwrite newer data).
- ``DELETE /api/partner/v1/shops/{shop_id}/products/{id}`` — take down (idempotent).
- ``GET  /api/partner/v1/shops/{shop_id}/products/{id}`` — current status.
- ``GET  /api/partner/v1/shops/{shop_id}/products?sku={sku}`` — ``{"products": [answer]}``, the
  item stored under our sku (none or one): finds an item whose create answer was lost.
- ``Idempotency-Key`` header on writes: the same key returns the first stored answer.
- Product body: ``sku``, ``title`` (≤ 120 chars), ``description`` (≤ 3000), ``category_id``
  (Postmart category ids, see CATEGORY), ``unit`` (see UNIT), ``price`` (integer VND ≥ 1000),
  ``quantity`` (integer ≥ 0), ``images`` (1–9 absolute http(s) URLs), ``version``.
- Webhooks (Postmart to us): ``POST {our base}/api/v1/webhooks/postmart``, JSON events signed
  ``X-Signature: t={unix seconds},v1=hex(HMAC-SHA256(webhook_secret, t + "." + body))``; a
  timestamp more than 300 s from our clock is refused (401), an event already taken (same
  ``event_id``, or same signature) is answered 200 and changes nothing. See
  ``integrations.webhooks.signature``.
- Answer: ``{"id", "url", "status": "active"|"rejected"|"removed", "reason", "removed_by":
  "seller"|"postmart"}`` (``removed_by`` when removed: "postmart" is a moderation takedown); errors
  ``{"error": {"code", "message", "message_vi"}}`` with 422 (validation), 401/403 (auth),
  429 + ``Retry-After`` (rate limit), 5xx (retry).

Orders and the order desk (``{o}`` below is ``/api/partner/v1/shops/{shop_id}/orders``; mapped to
our words in ``integrations.adapters.postmart_orders``):
- An order: ``{"order_no", "status", "created_at", "updated_at" (unix seconds), "total" (VND),
  "lines": [{"product_id", "quantity", "unit_price"}], "payment_type": "cod"|"prepaid",
  "ship_to_commune" (the buyer's commune, xã/phường; no name, phone or street),
  "tracking_number" (Vietnam Post's item number, ``EB…VN``; "" until ready to ship), "carrier":
  "Vietnam Post", "cancel_reason" (a code of CANCEL_REASONS, "buyer_request" or
  "deadline_missed"; "" unless cancelled)}``.
- ``status``: ``new`` (accept it) → ``accepted`` (get it ready to ship) → ``ready_to_ship``
  (a Vietnam Post item number: the postman picks the parcel up, or the seller drops it at a post
  office) → ``shipping`` → ``delivered``; ``delivery_failed`` (a delivery attempt failed: tried
  again, or returned), ``cancel_requested`` (the buyer asks to cancel), ``cancelled``,
  ``returned``; ``awaiting_payment`` (a prepaid order not paid yet).
- ``GET  {o}?updated_since={unix seconds}`` — ``{"orders": [order]}``, created or changed since then.
- ``GET  {o}/{order_no}`` — one order (404 ``not_found``).
- ``POST {o}/{order_no}/accept`` — accept a new order (→ accepted).
- ``POST {o}/{order_no}/cancel`` ``{"reason"}`` — one of CANCEL_REASONS, before Vietnam Post has
  the parcel (new, accepted, ready_to_ship); 422 ``invalid_reason`` for another code.
- ``POST {o}/{order_no}/cancel-request`` ``{"approve": true|false}`` — answer the buyer's request:
  cancelled, or back to the status it came from.
- ``GET  {o}/{order_no}/handover-options`` — ``{"carrier", "pickup": [{"address_id", "address",
  "slots": [{"slot_id", "start", "end"}]}], "post_offices": [{"code", "name", "address"}]}``:
  the postman picks up at one of the seller's addresses in a time slot, or the seller drops the
  parcel at a post office (bưu cục).
- ``POST {o}/{order_no}/ready-to-ship`` ``{"handover": "pickup", "address_id", "slot_id"}`` or
  ``{"handover": "post_office", "post_office_code"}`` — accepted → ready_to_ship with a Vietnam
  Post ``tracking_number``; 422 ``no_pickup_slot`` / ``unknown_post_office`` for a choice not
  offered.
- ``GET  {o}/{order_no}/label?size=a6|80mm`` — the Vietnam Post label, ``application/pdf``: A6
  (105 × 148 mm) or the 80 mm thermal roll; 409 ``no_waybill`` before ready to ship, 422
  ``invalid_size``.
- ``GET  {o}/{order_no}/settlement`` — ``{"order_no", "total", "fees": [{"code", "label",
  "amount"}], "fee_total", "payout", "paid_out"}``: Postmart's commission and payment fee and
  what it pays the seller, released (``paid_out``) once delivered; a cancelled or returned order
  costs and pays nothing.
- Writes carry ``Idempotency-Key`` (as the product writes do): a repeat answers the first stored
  answer and changes nothing (a key reused for another order or step is refused, 422
  ``key_reused``). Each answers the order as it is after the step; a step already taken
  (accepting an accepted order, the same hand-over again, cancelling a cancelled order) answers
  the order as it is; a step its status does not allow is refused 409 ``wrong_status``, the
  message naming the current status ("Đơn hàng đang ở trạng thái «Đã hủy» (cancelled): …").
- Deadline (our proposed rule): a new order must be handed over to Vietnam Post (picked up, or
  dropped at a post office) within 48 hours of ``created_at`` (HANDOVER_WITHIN_S); accepting it
  does not move the deadline, nor does a buyer's cancellation request (nothing is auto-cancelled
  while it waits; rejected after the deadline, the order is cancelled next). A missed deadline cancels
  the order (``cancel_reason`` "deadline_missed") and is pushed. Postmart sends no deadline field:
  the seller's side computes it from the status (``postmart_orders.stage_act_by``).
- Pushes: every change of an order (placed, accepted, ready to ship, the carrier's picked up, in
  transit, delivered, delivery failed, returned, cancelled) is a signed ``order`` webhook event:
  ``{"type": "order", "shop_id", "order_id", "status": "placed"|"shipped"|"delivered"|
  "cancelled"|"returned", "stage" (``desk.DESK_STAGES``), "tracking_number", "act_by" (epoch
  seconds), "placed_at", "at", "amount_vnd", "items": [{"external_id", "quantity", "price_vnd"}],
  "payment": "cod"|"prepaid", "commune"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx

from integrations.adapters.base import (
    Account,
    CredentialField,
    CredentialsError,
    ListingPayload,
    RemoteListing,
    clip,
    new_client,
    send,
)

# The order rules live with the order calls; named here too, where the contract states them.
from integrations.adapters.postmart_orders import HANDOVER_WITHIN_S as HANDOVER_WITHIN_S
from integrations.adapters.postmart_orders import PostmartOrders
from integrations.adapters.postmart_orders import act_by as act_by

CODE = "postmart"
NAME = "Postmart"
RATE_LIMIT_PER_S = 10.0
# What the order deadline asks of the seller, in this marketplace's terms (the order inbox).
ACT_BY_VI = "Cần giao cho bưu điện trước"  # our Postmart contract: to Vietnam Post within 48 h
HANDOVER_VI = "Cần giao cho bưu điện trước"
# What the seller copies from Postmart's partner portal into our connect form.
CREDENTIALS = (
    CredentialField("api_key", "Khóa API (API key)", "API key", secret=False),
    CredentialField("api_secret", "Mã bí mật (API secret)", "API secret"),
)
PREFIX = "/api/partner/v1"
TITLE_MAX, DESCRIPTION_MAX, IMAGES_MAX = 120, 3000, 9
# Our category -> Postmart category id.
CATEGORY = {
    "rau_cu": 101, "trai_cay": 102, "lua_gao": 103, "thuy_san": 104, "hai_san": 105,
    "thit_trung": 106, "che_ca_phe": 107, "gia_vi_duoc_lieu": 108, "mat_ong": 109,
    "che_bien": 110, "khac": 199,
}  # fmt: skip
# Our unit -> Postmart unit; units Postmart lacks are sent as the nearest it has.
UNIT = {
    "kg": "kg", "yen": "yen", "ta": "ta", "tan": "tan", "bo": "bo", "qua": "qua", "chuc": "chuc",
    "buong": "buong", "hop": "hop", "goi": "goi", "tui": "tui", "chai": "chai", "lit": "lit",
    "con": "con", "cay": "cay",
}  # fmt: skip
STATE = {"active": "live", "rejected": "rejected", "removed": "delisted"}


def signature(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = "\n".join([method.upper(), path, timestamp, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def to_wire(payload: ListingPayload) -> dict:
    return {
        "sku": payload.sku,
        "title": clip(payload.name, TITLE_MAX),
        "description": clip(payload.description or payload.name, DESCRIPTION_MAX),
        "category_id": CATEGORY.get(payload.category, CATEGORY["khac"]),
        "unit": UNIT.get(payload.unit, "kg"),
        "price": int(payload.price_vnd),
        "quantity": max(0, int(payload.stock)),
        "images": payload.photo_urls[:IMAGES_MAX],
        "version": payload.version,
    }


def from_wire(body: dict) -> RemoteListing:
    reason = body.get("reason") or ""
    return RemoteListing(
        external_id=str(body["id"]),
        external_url=body.get("url") or "",
        state=STATE.get(body.get("status", ""), "live"),
        reason_vi=reason,
        reason_en=reason,
        taken_down=body.get("status") == "removed" and body.get("removed_by") == "postmart",
    )


class PostmartAdapter(PostmartOrders):
    code = CODE

    def __init__(
        self, base_url: str, timeout_s: float = 10.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.client = new_client(base_url, timeout_s)
        self.clock = clock  # what X-PM-Timestamp is read from; tests move it with Postmart's

    def _request(
        self,
        account: Account,
        method: str,
        path: str,
        body: dict | None = None,
        key: str | None = None,
        params: dict | None = None,
    ) -> httpx.Request:
        api_key = account.credentials.get("api_key", "")
        secret = account.credentials.get("api_secret", "")
        if not api_key or not secret:
            raise CredentialsError("api_key and api_secret are required")
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        full_path = f"{PREFIX}/shops/{account.shop_id}{path}"
        timestamp = str(int(self.clock()))
        headers = {
            "X-PM-Key": api_key,
            "X-PM-Timestamp": timestamp,
            "X-PM-Signature": signature(secret, method, full_path, timestamp, content),
            "Content-Type": "application/json",
        }
        if key:
            headers["Idempotency-Key"] = key
        # The query is not signed: the signature covers the path and body only.
        return self.client.build_request(method, full_path, content=content, headers=headers, params=params)

    async def _call(
        self,
        account: Account,
        method: str,
        path: str,
        body: dict | None = None,
        key: str | None = None,
        params: dict | None = None,
    ) -> httpx.Response:
        return await send(self.client, self._request(account, method, path, body, key, params))

    async def publish(self, account: Account, payload: ListingPayload, idempotency_key: str) -> RemoteListing:
        request = self._request(account, "POST", "/products", to_wire(payload), idempotency_key)
        return from_wire((await send(self.client, request)).json())

    async def update(
        self, account: Account, external_id: str, payload: ListingPayload, idempotency_key: str
    ) -> RemoteListing:
        request = self._request(account, "PUT", f"/products/{external_id}", to_wire(payload), idempotency_key)
        return from_wire((await send(self.client, request)).json())

    async def delist(self, account: Account, external_id: str, idempotency_key: str) -> RemoteListing:
        request = self._request(account, "DELETE", f"/products/{external_id}", None, idempotency_key)
        return from_wire((await send(self.client, request)).json())

    async def fetch_status(self, account: Account, external_id: str) -> RemoteListing:
        request = self._request(account, "GET", f"/products/{external_id}")
        return from_wire((await send(self.client, request)).json())

    async def find_by_sku(self, account: Account, sku: str) -> RemoteListing | None:
        request = self._request(account, "GET", "/products", params={"sku": sku})
        found = (await send(self.client, request)).json().get("products") or []
        return from_wire(found[0]) if found else None

    async def verify_credentials(self, account: Account) -> None:
        await send(self.client, self._request(account, "GET", ""))

    async def aclose(self) -> None:
        await self.client.aclose()


ADAPTER = PostmartAdapter
