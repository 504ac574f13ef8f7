"""The inbox page (the bell's target), the household's message settings and the admin's log."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_204_NO_CONTENT

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import DomainError
from agrimarket.messages import inbox, push
from agrimarket.messages.kinds import ALWAYS_SENT, KINDS
from agrimarket.messages.push import PushKeys, SubscriptionIn
from agrimarket.messages.schemas import PreferencesWrite
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values

TEMPLATE = "messages/index.html"
CHANNEL_CHOICES = {
    "zalo": ("Zalo (nếu không được thì SMS)", "Zalo (SMS if Zalo fails)"),
    "sms": ("Chỉ SMS", "SMS only"),
    "push": ("Thông báo trên trình duyệt, rồi Zalo, rồi SMS", "Browser notification, then Zalo, then SMS"),
    "inbox": ("Không gửi về điện thoại", "Nothing to the phone"),
}


async def _context(viewer: Actor, push_public_key: str, **extra) -> dict:
    context = {
        "viewer": viewer,
        "messages": await inbox.messages(viewer),
        "unread": await inbox.unread_count(viewer),
        "kinds": {k: v for k, v in KINDS.items() if k not in ALWAYS_SENT},
        "channels": CHANNEL_CHOICES,
        "preferences": await inbox.preferences(viewer) if viewer.role == Role.HOUSEHOLD else None,
        "push_public_key": push_public_key,  # "" when this deployment sends no Web Push
    }
    return context | extra


class MessagePages(Controller):
    path = "/messages"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def index(self, viewer: Actor, push_public_key: str, saved: bool = False) -> Template:
        return Template(TEMPLATE, context=await _context(viewer, push_public_key, saved=saved))

    @get("/bell")
    async def bell(self, viewer: Actor) -> Response:
        """The header's bell: the unread count, fetched by the page after it loads."""
        unread = await inbox.unread_count(viewer)
        badge = f' <span class="badge">{unread}</span>' if unread else ""
        return Response(f"🔔{badge}", media_type="text/html")

    @post("/{message_id:int}/read")
    async def read(self, viewer: Actor, message_id: int) -> Redirect:
        await inbox.mark_read(viewer, message_id)
        return Redirect("/messages")

    @post("/read-all")
    async def read_all(self, viewer: Actor) -> Redirect:
        await inbox.mark_all_read(viewer)
        return Redirect("/messages")

    @post("/preferences")
    async def preferences(self, request: Request, viewer: Actor, push_public_key: str) -> Template | Redirect:
        form = await request.form()
        values = form_values(form, lists=("muted_kinds",))
        try:
            data = PreferencesWrite(
                channel=values.get("channel", "zalo") if values.get("channel") in CHANNEL_CHOICES else "zalo",
                muted_kinds=list(values.get("muted_kinds", []))[:20],
            )
            await inbox.set_preferences(viewer, data)
        except DomainError as exc:
            return form_error(request, TEMPLATE, exc, await _context(viewer, push_public_key))
        return Redirect("/messages?saved=true")

    # The page's twins of /api/v1/push-subscriptions (the API takes bearer tokens only, a page
    # has its session cookie): /static/push.js posts this browser's subscription as a form.
    @post("/push-subscription", status_code=HTTP_204_NO_CONTENT)
    async def push_subscribe(self, request: Request, viewer: Actor, settings: Settings) -> None:
        values = form_values(await request.form())
        keys = PushKeys(p256dh=values.get("p256dh", ""), auth=values.get("auth", ""))
        data = SubscriptionIn(endpoint=values.get("endpoint", ""), keys=keys)
        await push.subscribe(viewer, data, settings.environment)

    @post("/push-subscription/remove", status_code=HTTP_204_NO_CONTENT)
    async def push_unsubscribe(self, request: Request, viewer: Actor) -> None:
        await push.unsubscribe(viewer, form_values(await request.form()).get("endpoint", ""))


class AdminMessagePages(Controller):
    path = "/admin/messages"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def log(self, viewer: Actor, status: str | None = None) -> Template:
        rows = await inbox.deliveries(viewer, status)
        context = {"viewer": viewer, "rows": rows, "status": status, "statuses": inbox.STATUSES}
        return Template("messages/admin.html", context=context)
