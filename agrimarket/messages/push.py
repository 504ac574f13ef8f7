"""Browsers' Web Push subscriptions (``PushManager.subscribe`` with our VAPID public key).

The server later POSTs to the endpoint a browser gave, so an endpoint is an address we call on a
user's say-so: outside development only the browsers' own push services are accepted (https),
never an address of our network.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

import msgspec

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.env import DEVELOPMENT_ENVIRONMENTS
from agrimarket.errors import Invalid
from agrimarket.tables import PushSubscription
from agrimarket.web.input import Input, checked

# Chrome (FCM), Firefox (Mozilla autopush), Edge (WNS) and Safari (Apple) push services.
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    ".notify.windows.com",
    "web.push.apple.com",
)


ENDPOINT_PATTERN = "^https?://[^/?#]+"
Endpoint = Annotated[str, checked(pattern=ENDPOINT_PATTERN, max_length=500)]
KEY_LENGTHS = {"p256dh": (10, 120), "auth": (10, 40)}


class PushKeys(Input):
    p256dh: Annotated[str, checked(min_length=KEY_LENGTHS["p256dh"][0], max_length=KEY_LENGTHS["p256dh"][1])]
    auth: Annotated[str, checked(min_length=KEY_LENGTHS["auth"][0], max_length=KEY_LENGTHS["auth"][1])]


class SubscriptionIn(Input):
    endpoint: Endpoint
    keys: PushKeys


class SubscriptionGone(Input):
    endpoint: Endpoint


class PushKey(msgspec.Struct):
    public_key: str  # "" when this deployment sends no Web Push


class Subscribed(msgspec.Struct):
    id: int


def _endpoint_form(endpoint: str) -> None:
    if not re.match(ENDPOINT_PATTERN, endpoint) or len(endpoint) > 500:
        raise Invalid("endpoint", "Địa chỉ nhận thông báo không hợp lệ.", "Not a push endpoint URL.")


def _check_endpoint(endpoint: str, environment: str) -> None:
    _endpoint_form(endpoint)
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
    except ValueError:
        parts, host = urlsplit(""), ""
    trusted = parts.scheme == "https" and any(
        host == h or (h.startswith(".") and host.endswith(h)) for h in PUSH_SERVICE_HOSTS
    )
    local = environment in DEVELOPMENT_ENVIRONMENTS and parts.scheme in ("http", "https") and host
    if not (trusted or local) or len(endpoint) > 500:
        raise Invalid(
            "endpoint", "Địa chỉ nhận thông báo không hợp lệ.", "Not a browser push service endpoint."
        )


async def subscribe(actor: Actor, data: SubscriptionIn, environment: str) -> int:
    _check_endpoint(data.endpoint, environment)
    for name, (shortest, longest) in KEY_LENGTHS.items():
        if not shortest <= len(getattr(data.keys, name)) <= longest:
            raise Invalid(f"keys.{name}", "Khóa đăng ký thông báo không hợp lệ.", "Invalid subscription key.")
    existing = (
        await PushSubscription.select(PushSubscription.id)
        .where(PushSubscription.endpoint == data.endpoint)
        .first()
    )
    if existing is not None:  # the same browser, re-subscribed (or now signed in as someone else)
        await PushSubscription.update(
            {
                PushSubscription.user: actor.user_id,
                PushSubscription.p256dh: data.keys.p256dh,
                PushSubscription.auth: data.keys.auth,
            }
        ).where(PushSubscription.id == existing["id"])
        return existing["id"]
    subscription = PushSubscription(
        endpoint=data.endpoint,
        user=actor.user_id,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        created_at=clock.now(),
    )
    rows = await PushSubscription.insert(subscription).returning(PushSubscription.id)
    return rows[0]["id"]


async def unsubscribe(actor: Actor, endpoint: str) -> None:
    _endpoint_form(endpoint)
    await PushSubscription.delete().where(
        (PushSubscription.endpoint == endpoint) & (PushSubscription.user == actor.user_id)
    )
