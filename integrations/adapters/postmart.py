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
- ``GET  /api/partner/v1/shops/{shop_id}/orders?updated_since={unix seconds}`` — ``{"orders":
  [{"order_no", "status", "created_at", "updated_at", "total", "lines": [{"product_id",
  "quantity", "unit_price"}], "payment_type": "cod"|"prepaid", "ship_to_commune"}]}``
  (``ship_to_commune``: the buyer's commune, xã/phường; no name, phone or street). The same
  fields ride on the ``order`` webhook event (``payment``, ``commune``).
- Deadline (our proposed contract): a new order must be handed over to Vietnam Post (picked up
  or dropped at a post office) within 48 hours of ``created_at`` (HANDOVER_WITHIN_S); Postmart
  sends no deadline field, the seller's side computes it.
- Webhooks (Postmart to us): ``POST {our base}/api/v1/webhooks/postmart``, JSON events signed
  ``X-Signature: t={unix seconds},v1=hex(HMAC-SHA256(webhook_secret, t + "." + body))``; a
  timestamp more than 300 s from our clock is refused (401), an event already taken (same
  ``event_id``, or same signature) is answered 200 and changes nothing. See
  ``integrations.webhooks.signature``.
- Answer: ``{"id", "url", "status": "active"|"rejected"|"removed", "reason", "removed_by":
  "seller"|"postmart"}`` (``removed_by`` when removed: "postmart" is a moderation takedown); errors
  ``{"error": {"code", "message", "message_vi"}}`` with 422 (validation), 401/403 (auth),
  429 + ``Retry-After`` (rate limit), 5xx (retry).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from integrations.adapters.base import (
    PAYMENTS,
    Account,
    CredentialField,
    CredentialsError,
    ListingPayload,
    RemoteListing,
    RemoteOrder,
    RemoteOrderItem,
    clip,
    new_client,
    send,
)

CODE = "postmart"
NAME = "Postmart"
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
# Our order status -> Postmart's word for it.
ORDER_WIRE = {
    "placed": "new", "shipped": "shipping", "delivered": "delivered",
    "cancelled": "cancelled", "returned": "returned",
}  # fmt: skip
ORDER_STATUS = {wire: ours for ours, wire in ORDER_WIRE.items()}


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


# Our contract: hand a new order over to Vietnam Post within 48 hours (see the docstring).
HANDOVER_WITHIN_S = 48 * 3600


def act_by(placed_at: float) -> float:
    """The deadline to hand an order placed at ``placed_at`` (epoch seconds) to Vietnam Post."""
    return placed_at + HANDOVER_WITHIN_S


def order_from_wire(body: dict) -> RemoteOrder:
    payment = str(body.get("payment_type"))
    return RemoteOrder(
        act_by=act_by(float(body["created_at"])),
        payment=payment if payment in PAYMENTS else None,
        commune=str(body.get("ship_to_commune") or "")[:100],
        order_id=str(body["order_no"]),
        status=ORDER_STATUS.get(str(body.get("status")), "placed"),
        placed_at=float(body["created_at"]),
        updated_at=float(body.get("updated_at") or body["created_at"]),
        amount_vnd=int(body.get("total") or 0),
        items=[
            RemoteOrderItem(str(line["product_id"]), int(line["quantity"]), int(line.get("unit_price") or 0))
            for line in body.get("lines") or []
        ],
    )


class PostmartAdapter:
    code = CODE

    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.client = new_client(base_url, timeout_s)

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
        timestamp = str(int(time.time()))
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

    async def fetch_orders(self, account: Account, since: float) -> list[RemoteOrder]:
        request = self._request(account, "GET", "/orders", params={"updated_since": int(since)})
        return [order_from_wire(o) for o in (await send(self.client, request)).json().get("orders", [])]

    async def verify_credentials(self, account: Account) -> None:
        await send(self.client, self._request(account, "GET", ""))

    async def aclose(self) -> None:
        await self.client.aclose()
