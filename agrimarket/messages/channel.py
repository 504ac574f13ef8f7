"""The message channels' protocol: what the core's delivery worker asks of a channel, and the
classified answers a channel gives.

The core owns the protocol (DESIGN: "messages (inbox, channels' protocol)"); the channel modules
live in ``integrations/channels/`` (Zalo ZNS, SMS, Web Push), one per channel, and are reached
through the ``message_gateway`` port (``agrimarket.ports``) that integrations fills in
``connect_apps()``. Nothing here touches a table or the web: a channel module imports this and
nothing else of the core.
"""

from __future__ import annotations

from typing import Protocol

import msgspec


class Outgoing(msgspec.Struct, frozen=True, kw_only=True):
    """One message as a channel sends it: our id (the dedupe key on every channel), its kind
    (which template), the recipient's phone (0XXXXXXXXX) and the short Vietnamese text with a link."""

    message_id: int
    kind: str
    phone: str
    text: str
    link: str = ""
    # The kind's template parameters (Zalo ZNS template_data), all strings.
    params: dict[str, str] = {}
    # The recipient's browser subscriptions (Web Push): [{"endpoint", "keys": {"p256dh", "auth"}}].
    push_subscriptions: tuple[dict, ...] = ()


class Sent(msgspec.Struct, frozen=True):
    """The channel took the message: its own id of it (ZNS msg_id, eSMS SMSID)."""

    provider_id: str = ""


class ChannelError(Exception):
    """Base of the classified errors a channel raises."""


class Refused(ChannelError):
    """The channel will never take this message (no Zalo account on the phone, template not
    approved, no push subscription, quota used up): try the next channel, do not retry this one.
    ``code`` is the provider's own error code, kept for the admin."""

    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TryLater(ChannelError):
    """Timeouts, connection errors, 5xx, 429: send again later (not before ``retry_after`` s if
    given; a throttle uses no attempt)."""

    def __init__(self, detail: str, retry_after: float | None = None, throttled: bool = False) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.throttled = throttled  # the gateway's rate limit (429): no attempt is used


class MessageChannel(Protocol):
    code: str  # zalo | sms | webpush

    async def send(self, message: Outgoing) -> Sent:
        """Hand one message to the provider, at least once: a repeat with the same
        ``message_id`` must not reach the phone twice (each module says how its provider dedupes)."""
        ...

    async def aclose(self) -> None: ...


class MessageGateway(Protocol):
    """The configured channels by code (``integrations.channels.registry.Channels``)."""

    def get(self, code: str) -> MessageChannel | None: ...

    def push_public_key(self) -> str:
        """The VAPID public key browsers subscribe with ("" when Web Push is off)."""
        ...

    async def aclose(self) -> None: ...


class NoChannels:
    """No channel configured (the core alone, a seed script): messages stay in the in-app inbox."""

    def get(self, code: str) -> MessageChannel | None:
        return None

    def push_public_key(self) -> str:
        return ""

    async def aclose(self) -> None:
        return None
