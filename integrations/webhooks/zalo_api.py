"""Zalo's OA webhook (delivery receipts): ``POST /api/v1/channels/zalo/events``, the URL to register
as the app's Webhook URL on Zalo for Developers."""

from __future__ import annotations

from litestar import Request, post
from litestar.status_codes import HTTP_401_UNAUTHORIZED

from agrimarket.settings import Settings
from agrimarket.web.openapi import error_response
from integrations.channels import zalo
from integrations.channels.settings import ChannelSettings
from integrations.webhooks import zalo_receipts

ZALO_EVENTS_PATH = "/api/v1/channels/zalo/events"


@post(
    ZALO_EVENTS_PATH,
    status_code=200,
    tags=["messages"],
    responses={HTTP_401_UNAUTHORIZED: error_response(HTTP_401_UNAUTHORIZED)},  # bad or missing signature
)
async def zalo_events(request: Request, settings: Settings) -> zalo_receipts.ReceiptAnswer:
    """Zalo's signed OA webhook (``X-ZEvent-Signature``): a ``user_received_message`` event marks
    the ZNS message delivered (``counted``); other events are acknowledged and ignored."""
    body = await request.body()
    signature = request.headers.get(zalo.SIGNATURE_HEADER, "")
    return await zalo_receipts.take(body, signature, settings.section(ChannelSettings))
