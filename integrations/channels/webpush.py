"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291), for
Chrome on Android: the household's browser subscribed to our notifications.

The kept library ``pywebpush`` (with ``py_vapid``, ``http_ece``) does the cryptography: the
payload is encrypted for each subscription by ``WebPusher.encode`` and the VAPID ``Authorization:
vapid t=…, k=…`` header is signed by ``py_vapid.Vapid``. The POST itself goes through httpx, so
the channel shares the others' timeouts and error classes. Per subscription: 201 taken; 404/410
the subscription is gone; 429 and 5xx try again later. ``Topic`` (RFC 8030 §5.4) is our message
id: a repeat of a message still waiting in the push service replaces it instead of adding one.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import httpx
from py_vapid import Vapid

from agrimarket.messages.channel import Outgoing, Refused, Sent, TryLater

CODE = "webpush"
NAME = "Web Push"
TTL_S = 86400  # a phone off for a day still gets it
VAPID_LIFETIME_S = 12 * 3600
GONE = (404, 410)


def payload(message: Outgoing) -> bytes:
    """What the service worker shows: title, body and the page to open."""
    return json.dumps(
        {"title": "Chợ Nông Sản", "body": message.text, "url": message.link, "id": message.message_id},
        ensure_ascii=False,
    ).encode()


class WebPushChannel:
    code = CODE

    def __init__(self, vapid_private_key: str, subject: str, timeout_s: float, clock=time.time) -> None:
        self.vapid = Vapid.from_string(vapid_private_key)
        self.subject = subject
        self.clock = clock
        self.client = httpx.AsyncClient(timeout=timeout_s)

    async def aclose(self) -> None:
        await self.client.aclose()

    def _headers(self, endpoint: str, message_id: int) -> dict[str, str]:
        origin = urlsplit(endpoint)
        claims = {
            "sub": self.subject,
            "aud": f"{origin.scheme}://{origin.netloc}",
            "exp": int(self.clock()) + VAPID_LIFETIME_S,
        }
        headers = {k: str(v) for k, v in self.vapid.sign(claims).items()}
        return headers | {
            "TTL": str(TTL_S),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Topic": f"m{message_id}",
            "Urgency": "normal",
        }

    async def send(self, message: Outgoing) -> Sent:
        if not message.push_subscriptions:
            raise Refused("Chưa đăng ký nhận thông báo trên trình duyệt", "no_subscription")
        # Imported at the first push, not at start: pywebpush brings aiohttp and requests (17 MiB in
        # every app process), and only a process that sends a push needs its encryption.
        from pywebpush import WebPusher, WebPushException

        taken, retry = [], None
        for subscription in message.push_subscriptions:
            try:
                body = WebPusher(subscription).encode(payload(message))["body"]
            except (WebPushException, ValueError, TypeError):
                continue  # a malformed subscription: the others may still work
            endpoint = subscription["endpoint"]
            try:
                response = await self.client.post(
                    endpoint, content=body, headers=self._headers(endpoint, message.message_id)
                )
            except httpx.HTTPError as exc:
                retry = TryLater(f"Web Push: {type(exc).__name__}")
                continue
            if response.status_code in (200, 201, 202):
                taken.append(response.headers.get("location", ""))
            elif response.status_code == 429 or response.status_code >= 500:
                retry = TryLater(f"Web Push: HTTP {response.status_code}")
        if taken:
            return Sent(taken[0])
        if retry is not None:
            raise retry
        raise Refused("Trình duyệt đã hủy đăng ký nhận thông báo", "gone")
