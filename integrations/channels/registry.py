"""Channel code -> how to build its module's channel. Adding a channel: one module, one line here.

A channel module defines ``CODE``, ``NAME`` and a class implementing
``agrimarket.messages.channel.MessageChannel``; the core reaches the built channels only through
the ``message_gateway`` port (``integrations.plugin.connect``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agrimarket.messages.channel import MessageChannel
from integrations.channels import sms, webpush, zalo
from integrations.channels.settings import ChannelSettings

# (bucket, requests per second) -> waits for the bucket's next slot: ``sync.ratelimit.acquire``,
# handed in by ``integrations.plugin`` (the table behind it is none of a channel's business).
Pace = Callable[[str, float], Awaitable[None]]


def paced(pace: Pace | None, channel: str, rate_per_s: float) -> Callable[[], Awaitable[None]] | None:
    """This channel's wait for its next send slot, shared by every delivery worker."""
    if pace is None or rate_per_s <= 0:
        return None
    return lambda: pace(f"msg-{channel}", rate_per_s)


Builder = Callable[[ChannelSettings, str, zalo.TokenStore | None, Pace | None], MessageChannel]

BUILDERS: dict[str, Builder] = {
    zalo.CODE: lambda s, base, tokens, pace: zalo.ZaloChannel(
        s.url("zalo-oauth", base),
        s.url("zalo", base),
        s.zalo_app_id,
        s.zalo_app_secret,
        s.zalo_refresh_token,
        s.templates(),
        s.http_timeout_seconds,
        tokens,
        pace=paced(pace, zalo.CODE, s.zalo_rate_per_s),
    ),
    sms.CODE: lambda s, base, tokens, pace: sms.SmsChannel(
        s.url("sms", base),
        s.esms_api_key,
        s.esms_secret_key,
        s.esms_brandname,
        s.http_timeout_seconds,
        pace=paced(pace, sms.CODE, s.esms_rate_per_s),
    ),
    webpush.CODE: lambda s, base, tokens, pace: webpush.WebPushChannel(
        s.vapid_private_key, s.vapid_subject, s.http_timeout_seconds
    ),
}
NAMES = {zalo.CODE: zalo.NAME, sms.CODE: sms.NAME, webpush.CODE: webpush.NAME}


class Channels:
    """The enabled channels, each built (with its pooled HTTP client) on first use."""

    def __init__(
        self,
        section: ChannelSettings,
        public_base_url: str,
        tokens: zalo.TokenStore | None = None,
        pace: Pace | None = None,
    ) -> None:
        self.section = section
        self.public_base_url = public_base_url
        self.tokens = tokens
        self.pace = pace
        self._made: dict[str, MessageChannel] = {}

    def get(self, code: str) -> MessageChannel | None:
        if code not in self.section.channels:
            return None
        if code not in self._made:
            self._made[code] = BUILDERS[code](self.section, self.public_base_url, self.tokens, self.pace)
        return self._made[code]

    def push_public_key(self) -> str:
        return self.section.vapid_public_key if webpush.CODE in self.section.channels else ""

    async def aclose(self) -> None:
        for channel in self._made.values():
            await channel.aclose()
        self._made.clear()
