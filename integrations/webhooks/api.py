"""The marketplaces' signed push: ``POST /api/v1/webhooks/{marketplace}``."""

from __future__ import annotations

from litestar import Request, post
from litestar.exceptions import SerializationException
from litestar.status_codes import HTTP_401_UNAUTHORIZED

from agrimarket.errors import Invalid
from agrimarket.settings import Settings
from agrimarket.web.openapi import error_response
from integrations.settings import IntegrationsSettings
from integrations.webhooks import service
from integrations.webhooks.service import WebhookClock
from integrations.webhooks.signature import HEADER


def _not_an_event(detail: str) -> Invalid:
    return Invalid(
        "body",
        "Nội dung sự kiện không phải một đối tượng JSON hợp lệ.",
        f"The event is not a valid JSON object. {detail}".strip(),
    )


async def _event(request: Request) -> dict:
    """The signed body as an event; malformed JSON (NaN, Infinity included) is the sender's 422."""
    try:
        event = await request.json()
    except SerializationException as exc:
        raise _not_an_event(str(exc)) from None
    if not isinstance(event, dict):
        raise _not_an_event("")
    return event


@post(
    "/api/v1/webhooks/{marketplace:str}",
    status_code=200,
    tags=["integrations"],
    responses={HTTP_401_UNAUTHORIZED: error_response(HTTP_401_UNAUTHORIZED)},  # bad or stale signature
)
async def webhook(
    request: Request, marketplace: str, settings: Settings, webhook_clock: WebhookClock
) -> dict:
    """Signed push from a marketplace (``X-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``,
    at most 5 minutes old): a listing's status change, an order or its new status (``type: order``),
    or a sale (``type: sale``, ``order_id``, ``external_id``, ``quantity``: a one-item order).
    ``counted`` says whether it changed anything; a replay is answered 200 with ``replayed``."""
    body = await request.body()
    now = webhook_clock.now()
    secret = settings.section(IntegrationsSettings).webhook_secret_for(marketplace)
    signed = service.check_signature(secret, request.headers.get(HEADER, ""), body, now)
    return await service.take(marketplace, await _event(request), signed, now)
