"""The "Đăng nhập bằng mã" pages: ask for a code by phone, then sign in with it (and reset the
password); the same service as the API (``agrimarket.accounts.codes``)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.accounts.codes import CODE_SENT_EN, CODE_SENT_VI, request_code, sign_in_with_code
from agrimarket.accounts.limits import STORE
from agrimarket.accounts.pages import after_sign_in, session_cookie
from agrimarket.accounts.service import open_session
from agrimarket.errors import DomainError
from agrimarket.settings import Settings
from agrimarket.web.auth import client_address, provide_viewer
from agrimarket.web.forms import form_error, form_values
from agrimarket.web.i18n import request_lang

TEMPLATE = "accounts/login_code.html"


class CodeSignInPages(Controller):
    path = "/login/code"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_viewer)}

    @get("/")
    async def ask(self, viewer: Actor | None) -> Template:
        return Template(TEMPLATE, context={"viewer": viewer, "step": "phone", "values": {}})

    @post("/")
    async def send(self, request: Request, settings: Settings) -> Template:
        values = form_values(await request.form())
        phone = values.get("phone", "")
        try:
            await request_code(request.app.stores.get(STORE), client_address(request), phone, settings)
        except DomainError as exc:
            context = {"viewer": None, "step": "phone", "values": {"phone": phone}}
            return form_error(request, TEMPLATE, exc, context)
        sent = CODE_SENT_EN if request_lang(request) == "en" else CODE_SENT_VI
        context = {"viewer": None, "step": "code", "values": {"phone": phone}, "sent": sent}
        return Template(TEMPLATE, context=context)

    @post("/sign-in")
    async def sign_in(self, request: Request, settings: Settings) -> Template | Redirect:
        values = form_values(await request.form())
        try:
            user_id = await sign_in_with_code(
                values.get("phone", ""), values.get("code", ""), settings, values.get("new_password", "")
            )
        except DomainError as exc:
            context = {"viewer": None, "step": "code", "values": {"phone": values.get("phone", "")}}
            return form_error(request, TEMPLATE, exc, context)
        token = await open_session(user_id, "web", settings.session_days)
        return Redirect(await after_sign_in(user_id, "/"), cookies=[session_cookie(token, settings)])
