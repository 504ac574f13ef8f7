"""Web pages for accounts: home, register, log in and out, language switch, commune options."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.claims import register_or_claim
from agrimarket.accounts.limits import STORE, take_registration
from agrimarket.accounts.service import Registration, authenticate, close_session, open_session
from agrimarket.areas.service import list_communes, list_provinces
from agrimarket.errors import DomainError
from agrimarket.privacy import consent
from agrimarket.privacy.notice import OPTIONAL, PURPOSES
from agrimarket.settings import Settings
from agrimarket.web.auth import SESSION_COOKIE, client_address, provide_viewer
from agrimarket.web.forms import form_error, form_values, safe_next
from agrimarket.web.i18n import LANG_COOKIE


def session_cookie(token: str, settings: Settings, max_age: int | None = None) -> Cookie:
    """The session cookie: never readable by scripts, not sent on cross-site posts, https-only on https."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        httponly=True,
        secure=settings.https,
        samesite="lax",
        max_age=settings.session_days * 86400 if max_age is None else max_age,
        path="/",
    )


async def _picker_context(values: dict) -> dict:
    communes = await list_communes(values["province"]) if values.get("province") else []
    granted = values.get("granted", [])
    return {
        "provinces": await list_provinces(),
        "communes": communes,
        "values": values,
        "purposes": PURPOSES,
        "granted": granted,
    }


async def after_sign_in(user_id: int, target: str) -> str:
    """Where a sign-in lands: the privacy notice first while the account has not answered the
    current version (an account a cooperative or an import made, a new notice)."""
    if await consent.needs_answer(user_id):
        return f"/privacy/consent?next={quote(target, safe='')}"
    return target


def _landing(actor: Actor) -> str:
    return "/coop" if actor.role == Role.COOP_MANAGER and not actor.cooperative_id else "/products"


class AccountPages(Controller):
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_viewer)}

    @get("/")
    async def home(self, viewer: Actor | None) -> Template | Redirect:
        if viewer and await consent.needs_answer(viewer.user_id):
            return Redirect(await after_sign_in(viewer.user_id, "/"))
        if viewer and viewer.role != Role.OFFICER:
            return Redirect(_landing(viewer))
        return Template("home.html", context={"viewer": viewer})

    @get("/register")
    async def register_form(self, viewer: Actor | None) -> Template:
        return Template("accounts/register.html", context={"viewer": viewer, **await _picker_context({})})

    @post("/register")
    async def register_submit(self, request: Request, settings: Settings) -> Template | Redirect:
        values = form_values(await request.form(), lists=("granted",))
        try:
            await take_registration(request.app.stores.get(STORE), client_address(request), settings)
            user_id, claim = await register_or_claim(
                Registration(
                    phone=values.get("phone", ""),
                    password=values.get("password", ""),
                    full_name=values.get("full_name", ""),
                    commune_code=values.get("commune_code", ""),
                    role=values.get("role", Role.HOUSEHOLD),
                )
            )
        except DomainError as exc:
            return form_error(
                request, "accounts/register.html", exc, {"viewer": None, **await _picker_context(values)}
            )
        if claim is not None:
            context = {"viewer": None, "claim_code": claim[1], **await _picker_context({})}
            return Template("accounts/register.html", context=context, status_code=202)
        assert user_id is not None  # register_or_claim() gives a user or a claim
        await consent.answer_notice(user_id, [code for code in values.get("granted", []) if code in OPTIONAL])
        token = await open_session(user_id, "web", settings.session_days)
        target = "/coop" if values.get("role") == Role.COOP_MANAGER else "/products"
        return Redirect(target, cookies=[session_cookie(token, settings)])

    @get("/login")
    async def login_form(self, viewer: Actor | None, next: str | None = None) -> Template:
        return Template("accounts/login.html", context={"viewer": viewer, "next": next, "values": {}})

    @post("/login")
    async def login_submit(self, request: Request, settings: Settings) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            user_id = await authenticate(values.get("phone", ""), values.get("password", ""))
        except DomainError as exc:
            context = {
                "viewer": None,
                "next": values.get("next"),
                "values": {"phone": values.get("phone", "")},
            }
            return form_error(request, "accounts/login.html", exc, context)
        token = await open_session(user_id, "web", settings.session_days)
        target = await after_sign_in(user_id, safe_next(values.get("next"), "/"))
        return Redirect(target, cookies=[session_cookie(token, settings)])

    @post("/logout")
    async def logout(self, request: Request, settings: Settings) -> Redirect:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await close_session(token)
        # Cleared with the same flags it was set with, so no Set-Cookie for it ever lacks them.
        return Redirect("/", cookies=[session_cookie("", settings, max_age=0)])

    @get("/lang/{code:str}")
    async def switch_language(self, code: str, next: str | None = None) -> Redirect:
        lang = "en" if code == "en" else "vi"
        return Redirect(
            safe_next(next), cookies=[Cookie(key=LANG_COOKIE, value=lang, max_age=365 * 86400, path="/")]
        )

    @get("/areas/commune-options")
    async def commune_options(self, province: str = "") -> Template:
        communes = await list_communes(province) if province else []
        return Template("accounts/_commune_options.html", context={"communes": communes, "values": {}})
