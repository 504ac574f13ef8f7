"""The delivery worker: claim a due message, send it through the first channel of its plan that
takes it, record its fate.

- **At least once, not twice**: a claim is a lease; a worker killed mid-send leaves the row to be
  claimed again when the lease runs out, and the repeat carries the same message id, which each
  channel hands its provider as the dedupe key (ZNS ``tracking_id``, eSMS ``RequestId``, Web Push
  ``Topic``).
- **Fallback**: a channel that refuses (no Zalo account, template not approved, no push
  subscription) hands the message to the next channel of the plan (Zalo → SMS) at once.
- **Backoff**: timeouts and 5xx retry the same channel with exponential backoff and full jitter,
  not before a ``Retry-After``; after ``max_attempts`` the next channel gets it.
- **Quiet hours**: 21:00-06:00 Vietnam time a non-urgent message waits for 06:00.
- **Daily cap**: a phone that has had ``daily_cap`` messages today gets the rest in the inbox only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from datetime import datetime, timedelta

from agrimarket import clock
from agrimarket.messages import kinds, outbox
from agrimarket.messages.channel import MessageGateway, Outgoing, Refused, TryLater
from agrimarket.messages.service import log_entry, today_start_utc
from agrimarket.messages.settings import MessageSettings
from agrimarket.repeated_failure import RepeatedFailureLog
from agrimarket.tables import Message, PushSubscription, User

log = logging.getLogger(__name__)
QUIET_FROM_HOUR, QUIET_UNTIL_HOUR = 21, 6
CODE_TTL = timedelta(minutes=5)
CODE_WIPED = "Mã đăng nhập đã được gửi (không lưu lại ở đây)."


def in_quiet_hours(moment: datetime) -> bool:
    hour = clock.to_local(moment).hour
    return hour >= QUIET_FROM_HOUR or hour < QUIET_UNTIL_HOUR


def morning_after(moment: datetime) -> datetime:
    """06:00 Vietnam time after ``moment`` (a moment inside the quiet hours)."""
    local = clock.to_local(moment)
    morning = local.replace(hour=QUIET_UNTIL_HOUR, minute=0, second=0, microsecond=0)
    return morning if morning > local else morning + timedelta(days=1)


def backoff_s(attempt: int, base_s: float, cap_s: float, retry_after: float | None) -> float:
    wait = random.uniform(0, min(cap_s, base_s * 2 ** max(0, attempt - 1)))  # noqa: S311 - jitter
    return max(wait, retry_after or 0.0)


async def _subscriptions(message: dict) -> tuple[dict, ...]:
    """The browsers subscribed by the message's user, or by the household's users."""
    if message["user"] is not None:
        users = [message["user"]]
    else:
        users = [u["id"] for u in await User.select(User.id).where(User.household == message["household"])]
    if not users:
        return ()
    rows = await PushSubscription.select().where(PushSubscription.user.is_in(users))
    return tuple(
        {"endpoint": r["endpoint"], "keys": {"p256dh": r["p256dh"], "auth": r["auth"]}} for r in rows
    )


async def _wipe_code(message: dict) -> None:
    """A sign-in code is kept in clear only until it has gone out (or can no longer)."""
    if message["kind"] == kinds.SIGN_IN_CODE:
        await Message.update({Message.text: CODE_WIPED, Message.params: "{}"}).where(
            Message.id == message["id"]
        )


class DeliveryWorker:
    def __init__(self, settings: MessageSettings, gateway: MessageGateway, public_base_url: str) -> None:
        self.settings = settings
        self.gateway = gateway
        self.public_base_url = public_base_url.rstrip("/")
        self._stop = asyncio.Event()
        self.poll_failures = RepeatedFailureLog(log, "message worker: poll")

    async def run_one(self) -> bool:
        """Handle one due delivery; False when none was due."""
        row = await outbox.claim(self.settings.lease_seconds)
        if row is None:
            return False
        try:
            await self._deliver(row)
        except Exception as exc:  # a bug must not kill the worker; the row backs off and is visible
            log.exception("message delivery %s failed", row["id"])
            await self._retry(row, row["log"], f"{type(exc).__name__}: {exc}", None)
        return True

    async def _outgoing(self, row: dict, message: dict, channel: str) -> Outgoing:
        params = message["params"]
        if isinstance(params, str):
            params = json.loads(params or "{}")
        link = message["link"]
        return Outgoing(
            message_id=message["id"],
            kind=message["kind"],
            phone=row["phone"],
            text=message["text"],
            link=f"{self.public_base_url}{link}" if link.startswith("/") else link,
            params={k: str(v) for k, v in params.items()},
            push_subscriptions=await _subscriptions(message) if channel == "webpush" else (),
        )

    async def _deliver(self, row: dict) -> None:
        message = await Message.select().where(Message.id == row["message"]).first()
        if message is None:
            return
        history, now = row["log"], clock.now()
        if message["kind"] == kinds.SIGN_IN_CODE and clock.to_local(message["created_at"]) < now - CODE_TTL:
            history.append(log_entry("", "mã đăng nhập đã hết hạn: không gửi"))
            await outbox.settle(row, "failed", history, channels="", error="expired")
            await _wipe_code(message)
            return
        if not message["urgent"] and in_quiet_hours(now):
            morning = morning_after(now)
            history.append(log_entry("", f"giờ yên tĩnh: chờ đến {clock.to_local(morning):%H:%M %d/%m}"))
            await outbox.settle(row, "queued", history, next_attempt_at=morning.timestamp())
            return
        capped = message["kind"] != kinds.SIGN_IN_CODE and (
            await outbox.sent_today(row["phone"], today_start_utc()) >= self.settings.daily_cap
        )
        if capped:
            history.append(log_entry("", f"đã đủ {self.settings.daily_cap} tin hôm nay: chỉ trong hộp thư"))
            await outbox.settle(row, "capped", history)
            return
        plan = [code for code in row["channels"].split(",") if code]
        for index, code in enumerate(plan):
            channel = self.gateway.get(code)
            if channel is None:
                history.append(log_entry(code, "kênh chưa bật"))
                continue
            try:
                sent = await channel.send(await self._outgoing(row, message, code))
            except Refused as exc:
                history.append(log_entry(code, f"từ chối ({exc.code}): {exc.reason}"))
                continue
            except TryLater as exc:
                remaining = dict(row, channels=",".join(plan[index:]))
                await self._retry(remaining, history, f"{code}: {exc}", exc.retry_after, exc.throttled)
                return
            history.append(log_entry(code, "đã gửi"))
            await outbox.settle(
                row, "sent", history, sent_channel=code, provider_id=sent.provider_id, sent_at=clock.now()
            )
            await _wipe_code(message)
            return
        history.append(log_entry("", "không kênh nào nhận tin: chỉ trong hộp thư"))
        await outbox.settle(row, "failed", history, channels="", error="every channel refused")
        await _wipe_code(message)

    async def _retry(
        self, row: dict, history: list[dict], error: str, retry_after: float | None, throttled: bool = False
    ) -> None:
        """The first channel left failed for now: back off, or after max_attempts move to the next.
        A throttle (the gateway's rate limit) waits its Retry-After and uses no attempt."""
        s = self.settings
        attempts = row["attempts"] + (0 if throttled else 1)
        plan = [code for code in row["channels"].split(",") if code]
        what = "cổng gửi đang giới hạn tốc độ" if throttled else f"lỗi tạm thời (lần {attempts})"
        history.append(log_entry(plan[0] if plan else "", f"{what}: {error}"))
        if attempts >= s.max_attempts:
            plan = plan[1:]
            if not plan:
                await outbox.settle(row, "failed", history, channels="", attempts=attempts, error=error)
                return
            attempts = 0
        wait = backoff_s(max(attempts, 1), s.backoff_base_seconds, s.backoff_cap_seconds, retry_after)
        if throttled and retry_after is not None:
            wait = retry_after + random.uniform(0, retry_after)  # noqa: S311 - spread the retries
        await outbox.settle(
            row,
            "queued",
            history,
            channels=",".join(plan),
            attempts=attempts,
            next_attempt_at=clock.now().timestamp() + wait,
            error=error,
        )

    async def loop(self) -> None:
        while not self._stop.is_set():
            busy = False
            with self.poll_failures:
                busy = await self.run_one()
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.settings.poll_seconds)

    async def run(self, concurrency: int | None = None) -> None:
        await asyncio.gather(*(self.loop() for _ in range(concurrency or self.settings.worker_concurrency)))

    def stop(self) -> None:
        self._stop.set()
