"""Zalo's delivery receipts: the OA webhook's ``user_received_message`` event marks a ZNS message
delivered, with the time Zalo says it reached the phone.

The event is trusted only when its ``X-ZEvent-Signature`` matches (``zalo.receipt_signature``:
sha256 of app id + raw body + timestamp + OA secret key) and it names our app; a forged or
unsigned call is a 401 in words, never a 500. Other events of the OA webhook (a user's reply, a
follow) are acknowledged and ignored: Zalo retries an event that does not get a 200.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

import msgspec

from agrimarket import clock
from agrimarket.db import write_transaction
from agrimarket.errors import Invalid, Unauthorized
from agrimarket.messages import outbox
from agrimarket.text import ascii_digits
from integrations.channels import zalo
from integrations.channels.settings import ChannelSettings


class ReceiptMessage(msgspec.Struct):
    msg_id: str = ""
    tracking_id: str = ""
    delivery_time: str | int = ""  # ms since the epoch


class ZaloEvent(msgspec.Struct):
    event_name: str = ""
    app_id: str = ""
    timestamp: str | int = ""  # ms since the epoch, signed with the body
    message: ReceiptMessage | None = None


class ReceiptAnswer(msgspec.Struct):
    event_name: str
    counted: bool  # a delivery was marked delivered now (False: another event, or a repeat)


def _parse(body: bytes) -> ZaloEvent:
    try:
        return msgspec.json.decode(body, type=ZaloEvent)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise Invalid(
            "body",
            "Nội dung sự kiện Zalo không phải một đối tượng JSON hợp lệ.",
            "The Zalo event is not a valid JSON object.",
        ) from None


def _check(event: ZaloEvent, body: bytes, header: str, section: ChannelSettings) -> None:
    if event.app_id != section.zalo_app_id:
        raise Unauthorized(
            "Sự kiện không phải của ứng dụng Zalo này (app_id khác).",
            "The event names another Zalo app (app_id).",
        )
    expected = zalo.receipt_signature(event.app_id, body, str(event.timestamp), section.zalo_oa_secret_key)
    given = header.strip()
    given = given if given.lower().startswith("mac=") else f"mac={given}"
    if not header or not hmac.compare_digest(given.lower(), expected):
        raise _bad_signature()


def _bad_signature() -> Unauthorized:
    return Unauthorized(
        "Chữ ký X-ZEvent-Signature không hợp lệ: sự kiện không được ghi nhận.",
        "Bad X-ZEvent-Signature: the event was not taken.",
    )


def _moment(*candidates: str | int) -> datetime:
    """The first epoch-milliseconds value given, else now."""
    for value in candidates:
        text = str(value)
        if ascii_digits(text) and len(text) <= 15:
            return datetime.fromtimestamp(int(text) / 1000, UTC)
    return clock.now()


async def take(body: bytes, signature: str, section: ChannelSettings) -> ReceiptAnswer:
    """Check and apply one OA webhook event."""
    if not signature.strip():  # unsigned: refused before its body is read (the signature signs it)
        raise _bad_signature()
    event = _parse(body)
    _check(event, body, signature, section)
    if event.event_name != zalo.RECEIPT_EVENT or event.message is None:
        return ReceiptAnswer(event.event_name, False)
    receipt = event.message
    # Our ids are PostgreSQL integers: a longer tracking_id is not one of ours.
    ours = ascii_digits(receipt.tracking_id) and len(receipt.tracking_id) <= 9
    message_id = int(receipt.tracking_id) if ours else None
    async with write_transaction():
        counted = await outbox.mark_delivered(
            message_id, receipt.msg_id, _moment(receipt.delivery_time, event.timestamp)
        )
    return ReceiptAnswer(event.event_name, counted)
