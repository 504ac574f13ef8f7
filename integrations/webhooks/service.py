"""Signed webhooks from the marketplaces: checked, taken once, then handed to orders or listings.

The signature and its time window are in ``integrations.webhooks.signature``. Each webhook taken is
remembered (``webhook_receipt``: the event's ``event_id`` when it names one, else its signature) in
the same transaction as its effect, so a replay inside the window is answered 200 and changes
nothing, and a delivery that failed half-way leaves no receipt and may be sent again. Receipts
older than the window are deleted as new ones arrive: by then their signature is refused anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agrimarket.db import write_transaction
from agrimarket.errors import Invalid, Unauthorized
from integrations.listings import service as listings
from integrations.orders import events as order_events
from integrations.orders import service as orders
from integrations.tables import Listing, WebhookReceipt
from integrations.webhooks.signature import TOLERANCE_S, BadSignature, Signed, StaleSignature, verify


@dataclass
class WebhookClock:
    """The clock signatures are checked against (tests set ``now``)."""

    now: Callable[[], float] = field(default=time.time)


def check_signature(secret: str, header: str, body: bytes, now: float) -> Signed:
    try:
        return verify(secret, header, body, now)
    except StaleSignature as exc:
        raise Unauthorized(
            "Chữ ký đã hết hạn: thời điểm ký lệch quá 5 phút so với đồng hồ máy chủ.",
            f"Stale signature: {exc}.",
        ) from None
    except BadSignature:
        raise Unauthorized("Chữ ký không hợp lệ.", "Bad signature.") from None


def _receipt_key(event: dict, signed: Signed) -> str:
    event_id = event.get("event_id")
    if isinstance(event_id, str) and 0 < len(event_id) <= 80:
        return f"id:{event_id}"
    return f"sig:{signed.digest}"


async def _first_time(marketplace: str, key: str, signed: Signed, now: float) -> bool:
    await WebhookReceipt.delete().where(WebhookReceipt.signed_at < now - TOLERANCE_S)
    taken = (
        await WebhookReceipt.insert(
            WebhookReceipt(marketplace=marketplace, key=key, signed_at=float(signed.timestamp))
        )
        .on_conflict(target=(WebhookReceipt.marketplace, WebhookReceipt.key), action="DO NOTHING")
        .returning(WebhookReceipt.id)
    )
    return bool(taken)


async def take(marketplace: str, event: dict, signed: Signed, now: float) -> dict:
    """Act on one signed event, once; ``counted`` says whether it changed anything."""
    is_order = event.get("type") in ("order", "sale")
    if is_order:
        remote = await order_events.from_event(marketplace, event)  # a malformed one: 422, no receipt
    elif not event.get("external_id"):
        raise Invalid("external_id", "Sự kiện thiếu mã sản phẩm trên sàn.", "The event lacks external_id.")
    async with write_transaction():
        if not await _first_time(marketplace, _receipt_key(event, signed), signed, now):
            return {"ok": True, "counted": False, "replayed": True}
        if is_order:
            # Sold on the marketplace: one order, however often told; the stock drops everywhere once.
            return {"ok": True, "counted": await orders.receive(marketplace, remote, "webhook")}
        listing = (
            await Listing.select(Listing.id)
            .where(
                (Listing.external_id == str(event["external_id"])) & (Listing.marketplace.code == marketplace)
            )
            .first()
        )
        if listing and event.get("status") in ("delisted", "removed"):
            await listings.taken_down(listing["id"], str(event.get("reason") or "Sàn đã gỡ sản phẩm."))
    return {"ok": True}
