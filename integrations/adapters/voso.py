"""Voso (voso.vn, Viettel Post) adapter and its partner contract.

Voso publishes no open seller API we can cite; this module *defines* the contract we speak
(the simulator in ``integrations.simulators.voso`` implements the same one).

Contract (base URL ``{base}``, JSON bodies, UTF-8):
- Authentication: OAuth2 client credentials. ``POST /oauth/token`` (form: ``grant_type=
  client_credentials``, ``client_id``, ``client_secret``) answers ``{"access_token",
  "expires_in"}``; every other call sends ``Authorization: Bearer {token}``. A 401 on a call
  means the token expired: fetch a new one once, then give up (credentials error).
- ``GET    /v2/sellers/{shop_id}`` — check the credentials and that the token owns the shop.
- ``POST   /v2/sellers/{shop_id}/items`` — publish; an upsert keyed by ``external_ref``.
- ``PATCH  /v2/sellers/{shop_id}/items/{item_id}`` — change; a ``revision`` lower than the
  stored one is acknowledged but not applied.
- ``DELETE /v2/sellers/{shop_id}/items/{item_id}`` — delist (idempotent).
- ``GET    /v2/sellers/{shop_id}/items/{item_id}`` — current status.
- ``GET    /v2/sellers/{shop_id}/items?external_ref={sku}`` — ``{"data": [answer]}``, the item
  stored under our reference (none or one): finds an item whose create answer was lost.
- ``X-Idempotency-Key`` header on writes: the same key returns the first stored answer.
- Item body: ``external_ref``, ``name`` (≤ 100 chars), ``short_description`` (≤ 2000),
  ``category_code`` (see CATEGORY), ``unit_code`` (see UNIT), ``sale_price`` (integer VND ≥ 1000),
  ``stock_quantity`` (integer ≥ 0), ``image_urls`` (1–8 absolute http(s) URLs), ``revision``.
- Webhooks (Voso to us): ``POST {our base}/api/v1/webhooks/voso``, JSON events signed
  ``X-Signature: t={unix seconds},v1=hex(HMAC-SHA256(webhook_secret, t + "." + body))``; a
  timestamp more than 300 s from our clock is refused (401), an event already taken (same
  ``event_id``, or same signature) is answered 200 and changes nothing. See
  ``integrations.webhooks.signature``.
- Answer: ``{"item_id", "item_url", "state": "approved"|"rejected"|"delisted",
  "rejection_reason", "delisted_by": "seller"|"voso"}`` (``delisted_by`` when delisted: "voso" is a
  moderation takedown); errors ``{"error": {"code", "message", "message_vi"}}``.

Orders and the order desk (``{o}`` below is ``/v2/sellers/{shop_id}/orders``; mapped to our words
in ``integrations.adapters.voso_orders``):
- An order: ``{"order_code", "order_status", "created_time", "update_time", "confirmed_time"
  (null until confirmed), "total_amount" (VND), "items": [{"item_id", "qty", "price"}],
  "payment_method": "COD"|"PREPAID", "delivery_ward" (the buyer's commune, xã/phường: no name,
  phone or street), "waybill_code" (Viettel Post's waybill number, "" until "Tạo vận đơn"),
  "carrier": "Viettel Post", "cancel_reason" (a code of CANCEL_REASONS, "BUYER_REQUEST" or
  "DEADLINE_MISSED"; "" unless cancelled)}``; timestamps ISO 8601, +07:00.
- ``order_status``: ``NEW`` (confirm it) → ``CONFIRMED`` (create the waybill) → ``WAITING_PICKUP``
  (waybill created: Viettel Post picks the parcel up, or the seller drops it at a branch) →
  ``DELIVERING`` → ``DELIVERED``; ``DELIVERY_FAILED`` (an attempt failed: tried again, or
  returned), ``CANCEL_REQUESTED`` (the buyer asks to cancel), ``CANCELED``, ``RETURNED``;
  ``WAITING_PAYMENT`` (a prepaid order not paid yet).
- ``GET  {o}?updated_from={ISO 8601}`` — ``{"data": [order]}``, created or changed since then.
- ``GET  {o}/{order_code}`` — one order (404 ``not_found``).
- ``POST {o}/{order_code}/confirm`` — accept a NEW order (→ CONFIRMED).
- ``POST {o}/{order_code}/cancel`` ``{"reason_code"}`` — one of CANCEL_REASONS, before the parcel
  is handed over (NEW, CONFIRMED, WAITING_PICKUP); 422 ``invalid_reason`` for another code.
- ``POST {o}/{order_code}/cancel-request`` ``{"decision": "accept"|"reject"}`` — answer the
  buyer's request: CANCELED, or back to the status it came from.
- ``GET  {o}/{order_code}/shipping-options`` — ``{"carrier", "pickup_addresses": [{"address_id",
  "address", "slots": [{"slot_id", "from", "to"}]}], "branches": [{"branch_code", "name",
  "address"}]}``: pickup by Viettel Post at one of the seller's addresses in a time slot, or
  drop-off at a Viettel Post branch.
- ``POST {o}/{order_code}/waybill`` ``{"method": "pickup", "address_id", "slot_id"}`` or
  ``{"method": "dropoff", "branch_code"}`` — "Tạo vận đơn": CONFIRMED → WAITING_PICKUP with a
  Viettel Post ``waybill_code`` (``VTP`` + 10 digits); 422 ``no_pickup_slot`` / ``unknown_branch``
  for a choice not offered.
- ``GET  {o}/{order_code}/label?size=a6|80mm`` — the waybill label, ``application/pdf``: A6
  (105 × 148 mm) or the 80 mm thermal roll; 409 ``no_waybill`` before the waybill, 422
  ``invalid_size``.
- ``GET  {o}/{order_code}/finance`` — ``{"order_code", "total_amount", "fees": [{"fee_type",
  "name", "amount"}], "fee_total", "payout_amount", "paid_out"}``: Voso's commission and payment
  fee and what it pays the seller, released (``paid_out``) once delivered; a cancelled or returned
  order costs and pays nothing.
- Writes carry ``X-Idempotency-Key``: a repeat answers the first stored answer and changes
  nothing (a key reused for another order or step is refused, 422 ``key_reused``). Each answers
  the order as it is after the step; a step already taken (confirming a confirmed order, the same
  waybill again, cancelling a cancelled order) answers the order as it is; a step its status does
  not allow is refused 409 ``wrong_status``, the message naming the current status ("Đơn hàng
  đang ở trạng thái «Đã hủy» (CANCELED): …").
- Deadlines (our proposed rules, after Voso's back-office): confirm a NEW order within 24 hours of
  ``created_time`` (CONFIRM_WITHIN_S), then hand the parcel to Viettel Post (picked up, or dropped at
  a branch) within 48 hours of ``confirmed_time`` (HANDOVER_WITHIN_S). A buyer's cancellation
  request stops no clock (nothing is auto-cancelled while it waits; rejected after the deadline,
  the order is cancelled next). A missed deadline cancels the order (``cancel_reason``
  "DEADLINE_MISSED") and is pushed. Voso sends no deadline field: the seller's side computes it
  from the status (``voso_orders.stage_act_by``).
- Pushes: every change of an order (placed, confirmed, waybill, the carrier's picked up, in
  transit, delivered, delivery failed, returned, cancelled) is a signed ``order`` webhook event:
  ``{"type": "order", "shop_id", "order_id", "status": "placed"|"shipped"|"delivered"|
  "cancelled"|"returned", "stage" (``desk.DESK_STAGES``), "tracking_number", "act_by" (epoch
  seconds), "placed_at", "at", "amount_vnd", "items": [{"external_id", "quantity", "price_vnd"}],
  "payment": "cod"|"prepaid", "commune"}``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import quote

import httpx

from integrations.adapters.base import (
    Account,
    CredentialField,
    CredentialsError,
    ListingPayload,
    RemoteListing,
    Retryable,
    clip,
    new_client,
    send,
)

# The order rules live with the order calls; named here too, where the contract states them.
from integrations.adapters.voso_orders import CONFIRM_WITHIN_S as CONFIRM_WITHIN_S
from integrations.adapters.voso_orders import VosoOrders
from integrations.adapters.voso_orders import act_by as act_by

CODE = "voso"
NAME = "Voso"
RATE_LIMIT_PER_S = 10.0
# What the order deadline asks of the seller, in this marketplace's terms (the order inbox).
ACT_BY_VI = "Cần xác nhận trước"  # our Voso contract: confirm within 24 h
HANDOVER_VI = "Cần giao cho Viettel Post trước"
# What the seller copies from Voso's seller centre into our connect form.
CREDENTIALS = (
    CredentialField("client_id", "Mã ứng dụng (client ID)", "Client ID", secret=False),
    CredentialField("client_secret", "Mã bí mật (client secret)", "Client secret"),
)
NAME_MAX, DESCRIPTION_MAX, IMAGES_MAX = 100, 2000, 8
CATEGORY = {
    "rau_cu": "NS-RAU", "trai_cay": "NS-TRAICAY", "lua_gao": "NS-GAO", "thuy_san": "NS-THUYSAN",
    "hai_san": "NS-HAISAN", "thit_trung": "NS-THIT", "che_ca_phe": "NS-CHE", "gia_vi_duoc_lieu": "NS-GIAVI",
    "mat_ong": "NS-MATONG", "che_bien": "NS-DACSAN", "khac": "NS-KHAC",
}  # fmt: skip
UNIT = {
    "kg": "KG", "yen": "KG10", "ta": "KG100", "tan": "TAN", "bo": "BO", "qua": "QUA", "chuc": "CHUC",
    "buong": "BUONG", "hop": "HOP", "goi": "GOI", "tui": "TUI", "chai": "CHAI", "lit": "LIT",
    "con": "CON", "cay": "CAY",
}  # fmt: skip
STATE = {"approved": "live", "rejected": "rejected", "delisted": "delisted"}


def to_wire(payload: ListingPayload) -> dict:
    return {
        "external_ref": payload.sku,
        "name": clip(payload.name, NAME_MAX),
        "short_description": clip(payload.description or payload.name, DESCRIPTION_MAX),
        "category_code": CATEGORY.get(payload.category, CATEGORY["khac"]),
        "unit_code": UNIT.get(payload.unit, "KG"),
        "sale_price": int(payload.price_vnd),
        "stock_quantity": max(0, int(payload.stock)),
        "image_urls": payload.photo_urls[:IMAGES_MAX],
        "revision": payload.version,
    }


def from_wire(body: dict) -> RemoteListing:
    reason = body.get("rejection_reason") or ""
    return RemoteListing(
        external_id=str(body["item_id"]),
        external_url=body.get("item_url") or "",
        state=STATE.get(body.get("state", ""), "live"),
        reason_vi=reason,
        reason_en=reason,
        taken_down=body.get("state") == "delisted" and body.get("delisted_by") == "voso",
    )


class VosoAdapter(VosoOrders):
    code = CODE

    def __init__(
        self, base_url: str, timeout_s: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = new_client(base_url, timeout_s)
        self.clock = clock  # what cached tokens expire against; tests move it instead of waiting
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def _token(self, account: Account, fresh: bool = False) -> str:
        client_id = account.credentials.get("client_id", "")
        secret = account.credentials.get("client_secret", "")
        if not client_id or not secret:
            raise CredentialsError("client_id and client_secret are required")
        key = (client_id, secret)
        async with self._lock:
            cached = self._tokens.get(key)
            if cached and not fresh and cached[1] > self.clock():
                return cached[0]
            request = self.client.build_request(
                "POST",
                "/oauth/token",
                data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
            )
            body = (await send(self.client, request)).json()
            # Renew a minute early so a token never expires mid-request.
            self._tokens[key] = (body["access_token"], self.clock() + float(body["expires_in"]) - 60)
            return body["access_token"]

    async def _call(
        self, account: Account, method: str, path: str, body: dict | None = None, key: str | None = None
    ) -> httpx.Response:
        for fresh in (False, True):
            headers = {"Authorization": f"Bearer {await self._token(account, fresh)}"}
            if key:
                headers["X-Idempotency-Key"] = key
            request = self.client.build_request(
                method, f"/v2/sellers/{account.shop_id}{path}", json=body, headers=headers
            )
            try:
                return await send(self.client, request)
            except CredentialsError:
                if fresh:
                    raise
        raise Retryable("unreachable")  # pragma: no cover

    async def publish(self, account: Account, payload: ListingPayload, idempotency_key: str) -> RemoteListing:
        response = await self._call(account, "POST", "/items", to_wire(payload), idempotency_key)
        return from_wire(response.json())

    async def update(
        self, account: Account, external_id: str, payload: ListingPayload, idempotency_key: str
    ) -> RemoteListing:
        response = await self._call(
            account, "PATCH", f"/items/{external_id}", to_wire(payload), idempotency_key
        )
        return from_wire(response.json())

    async def delist(self, account: Account, external_id: str, idempotency_key: str) -> RemoteListing:
        return from_wire(
            (await self._call(account, "DELETE", f"/items/{external_id}", None, idempotency_key)).json()
        )

    async def fetch_status(self, account: Account, external_id: str) -> RemoteListing:
        return from_wire((await self._call(account, "GET", f"/items/{external_id}")).json())

    async def find_by_sku(self, account: Account, sku: str) -> RemoteListing | None:
        found = (await self._call(account, "GET", f"/items?external_ref={quote(sku)}")).json().get("data")
        return from_wire(found[0]) if found else None

    async def verify_credentials(self, account: Account) -> None:
        await self._call(account, "GET", "")

    async def aclose(self) -> None:
        await self.client.aclose()


ADAPTER = VosoAdapter
