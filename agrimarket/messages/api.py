"""The inbox, the household's message preferences and the admin's message log over the JSON API."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from agrimarket.accounts.actor import Actor
from agrimarket.messages import inbox, push
from agrimarket.messages.push import PushKey, Subscribed, SubscriptionGone, SubscriptionIn
from agrimarket.messages.schemas import (
    DeliveryRead,
    DeliveryStatus,
    MarkedRead,
    MessageRead,
    PreferencesRead,
    PreferencesWrite,
    UnreadCount,
)
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor


class MessageController(Controller):
    path = "/api/v1/messages"
    tags = ["messages"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def messages(self, actor: Actor) -> list[MessageRead]:
        """Your newest 100 messages (to your account or your household), newest first."""
        return await inbox.messages(actor)

    @get("/unread-count")
    async def unread(self, actor: Actor) -> UnreadCount:
        """How many of your messages are unread (the bell's number)."""
        return UnreadCount(unread=await inbox.unread_count(actor))

    @post("/{message_id:int}/read", status_code=200)
    async def read(self, actor: Actor, message_id: int) -> MarkedRead:
        """Mark one of your messages read."""
        await inbox.mark_read(actor, message_id)
        return MarkedRead(marked=1)

    @post("/read-all", status_code=200)
    async def read_all(self, actor: Actor) -> MarkedRead:
        """Mark every message of yours read."""
        return MarkedRead(marked=await inbox.mark_all_read(actor))

    @get("/preferences")
    async def preferences(self, actor: Actor) -> PreferencesRead:
        """How your household gets messages on its phone (households only)."""
        return await inbox.preferences(actor)

    @put("/preferences")
    async def set_preferences(self, actor: Actor, data: PreferencesWrite) -> PreferencesRead:
        """Choose the channel and the kinds not sent to the phone (they stay in the inbox)."""
        return await inbox.set_preferences(actor, data)


@get("/api/v1/admin/messages", tags=["messages"], dependencies={"actor": Provide(provide_actor)})
async def admin_messages(actor: Actor, status: DeliveryStatus | None = None) -> list[DeliveryRead]:
    """Every message and its fate, newest 200 (admins): sent through which channel, refused,
    held for quiet hours, over the daily cap; ``status`` filters."""
    return await inbox.deliveries(actor, status)


class PushSubscriptionController(Controller):
    path = "/api/v1/push-subscriptions"
    tags = ["messages"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/key")
    async def key(self, actor: Actor, push_public_key: str) -> PushKey:
        """The VAPID public key to subscribe with (``applicationServerKey``); "" when off."""
        return PushKey(public_key=push_public_key)

    @post("/", status_code=HTTP_201_CREATED)
    async def subscribe(self, actor: Actor, data: SubscriptionIn, settings: Settings) -> Subscribed:
        """Keep this browser's subscription (``PushSubscription.toJSON()``) for your messages."""
        return Subscribed(id=await push.subscribe(actor, data, settings.environment))

    @post("/remove", status_code=HTTP_204_NO_CONTENT)
    async def unsubscribe(self, actor: Actor, data: SubscriptionGone) -> None:
        """Forget your subscription with this endpoint (the browser unsubscribed)."""
        await push.unsubscribe(actor, data.endpoint)
