"""The personal-data pages: the notice (public, linked from every page's footer), the consent
step, "My data" (phone-first) with its downloads, and closing the account."""

from __future__ import annotations

import contextlib

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Response, Template

from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.limits import STORE
from agrimarket.errors import DomainError
from agrimarket.privacy import consent, deletion, fresh, service
from agrimarket.privacy.my_data import as_csv
from agrimarket.privacy.notice import GRACE_DAYS, NOTICE_VERSION, OPTIONAL, PURPOSES
from agrimarket.privacy.periods import RetentionSettings
from agrimarket.settings import Settings
from agrimarket.web.auth import SESSION_COOKIE, provide_actor, provide_viewer
from agrimarket.web.downloads import attachment
from agrimarket.web.forms import form_error, form_values, safe_next
from agrimarket.web.i18n import request_lang

NOTICE = {"purposes": PURPOSES, "notice_version": NOTICE_VERSION, "grace_days": GRACE_DAYS}
MY_DATA = "privacy/my_data.html"


class NoticePages(Controller):
    path = "/privacy"
    include_in_schema = False

    @get("/", dependencies={"viewer": Provide(provide_viewer)})
    async def notice(self, viewer: Actor | None, settings: Settings) -> Template:
        scan_days = settings.section(RetentionSettings).scan_address_days
        return Template("privacy/notice.html", context={"viewer": viewer, "scan_days": scan_days, **NOTICE})

    @get("/consent", dependencies={"viewer": Provide(provide_actor)})
    async def ask(self, viewer: Actor, next: str | None = None) -> Template:
        given = {p.code for p in (await consent.state(viewer.user_id)).purposes if p.granted}
        return Template(
            "privacy/consent.html", context={"viewer": viewer, "next": next, "granted": given, **NOTICE}
        )

    @post("/consent", dependencies={"viewer": Provide(provide_actor)})
    async def answer(self, request: Request, viewer: Actor) -> Redirect:
        values = form_values(await request.form(), lists=("granted",))
        granted = [code for code in values.get("granted", []) if code in OPTIONAL]
        await consent.answer_notice(viewer.user_id, granted)
        return Redirect(safe_next(values.get("next"), "/"))

    @post("/consents/{purpose:str}", dependencies={"viewer": Provide(provide_actor)})
    async def change(self, request: Request, viewer: Actor, purpose: str) -> Redirect:
        """One tap: give or withdraw an optional consent, in force at once."""
        values = form_values(await request.form())
        await consent.set_optional(viewer, purpose, values.get("granted") == "1")
        return Redirect("/my-data")


class MyDataPages(Controller):
    path = "/my-data"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    async def _context(self, request: Request, viewer: Actor, settings: Settings, **extra) -> dict:
        token, data, is_fresh = request.cookies.get(SESSION_COOKIE), None, True
        try:
            data = await service.export(token, viewer, request.app.stores.get(STORE), settings)
        except fresh.FreshSignInNeeded:
            is_fresh = False
        household = viewer.role == Role.HOUSEHOLD and viewer.household_id is not None
        return {
            "viewer": viewer,
            "fresh": is_fresh,
            "data": data,
            "consents": await consent.state(viewer.user_id, request_lang(request)),
            "household": household,
            "deletion": await deletion.pending(viewer) if household else None,
            "grace_days": GRACE_DAYS,
            **extra,
        }

    @get("/")
    async def page(self, request: Request, viewer: Actor, settings: Settings) -> Template:
        return Template(MY_DATA, context=await self._context(request, viewer, settings))

    @post("/confirm")
    async def confirm(self, request: Request, viewer: Actor, settings: Settings) -> Template | Redirect:
        values = form_values(await request.form())
        store = request.app.stores.get(STORE)
        try:
            await service.confirm(
                request.cookies.get(SESSION_COOKIE), viewer, values.get("password", ""), "", store, settings
            )
        except DomainError as exc:
            return form_error(request, MY_DATA, exc, await self._context(request, viewer, settings))
        return Redirect("/my-data")

    async def _download(
        self, request: Request, viewer: Actor, settings: Settings, kind: str
    ) -> Response | Redirect:
        try:
            found = await service.export(
                request.cookies.get(SESSION_COOKIE), viewer, request.app.stores.get(STORE), settings
            )
        except fresh.FreshSignInNeeded:
            return Redirect("/my-data")
        if kind == "csv":
            return attachment(as_csv(found), "text/csv", "du-lieu-cua-toi.csv")
        return attachment(msgspec.json.encode(found), "application/json", "du-lieu-cua-toi.json")

    @get("/export.csv")
    async def export_csv(self, request: Request, viewer: Actor, settings: Settings) -> Response | Redirect:
        return await self._download(request, viewer, settings, "csv")

    @get("/export.json")
    async def export_json(self, request: Request, viewer: Actor, settings: Settings) -> Response | Redirect:
        return await self._download(request, viewer, settings, "json")

    @post("/deletion")
    async def ask_deletion(self, request: Request, viewer: Actor, settings: Settings) -> Redirect:
        with contextlib.suppress(fresh.FreshSignInNeeded):  # the page asks for the password first
            await service.ask_deletion(
                request.cookies.get(SESSION_COOKIE), viewer, request.app.stores.get(STORE), settings
            )
        return Redirect("/my-data")

    @post("/deletion/cancel")
    async def cancel_deletion(self, viewer: Actor) -> Redirect:
        await deletion.cancel_deletion(viewer)
        return Redirect("/my-data")
