"""Connecting a seller account through the marketplace's own authorisation page (TikTok Shop, Lazada; any
marketplace whose adapter module defines ``authorize_url`` and ``AUTH_CODE_FIELD``).

The farmer types the shop id and the app's key and secret and taps "Ủy quyền": we keep them, encrypted,
in a short-lived HttpOnly cookie with a random ``state``, and send the browser to the marketplace's
consent page (the simulator's in development). The marketplace sends it back to
``/marketplace-accounts/<code>/authorized?code=…&state=…`` (the redirect URL registered with it);
the state must match the cookie's (the OAuth guard against a forged callback), and the account is then
connected exactly as the form does it, with the code in the adapter's code field. The secret never
leaves our domain: only the state travels through the marketplace.
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated

from cryptography.fernet import InvalidToken
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values
from integrations import crypto
from integrations.adapters.registry import BY_CODE, Adapters, authorizes, credential_fields
from integrations.listings import accounts
from integrations.listings.account_pages import TEMPLATE
from integrations.settings import IntegrationsSettings

COOKIE = "marketplace_authorize"
COOKIE_PATH = "/marketplace-accounts"
PENDING_S = 900  # the farmer has 15 minutes on the marketplace's page


def _module(code: str):
    if not authorizes(code):
        raise Invalid(
            "marketplace", "Sàn này không có trang ủy quyền.", "This marketplace has no authorisation page."
        )
    return BY_CODE[code]


class MarketplaceAuthorizePages(Controller):
    path = "/marketplace-accounts/{marketplace:str}"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    async def _failed(
        self, request: Request, viewer: Actor, marketplace: str, exc: Invalid, values: dict
    ) -> Template:
        context = {
            "viewer": viewer,
            "marketplaces": await accounts.overview(viewer),
            "connected": None,
            "values": values,
            "failed": marketplace,
        }
        return form_error(request, TEMPLATE, exc, context)

    @post("/authorize")
    async def start(
        self, request: Request, viewer: Actor, marketplace: str, settings: Settings
    ) -> Template | Redirect:
        """Keep what the farmer typed (encrypted, in a cookie) and go to the marketplace's consent page."""
        values = form_values(await request.form())
        await accounts.seller_accounts(viewer)  # Forbidden for anyone who cannot own an account
        try:
            module = _module(marketplace)
            typed = {f.name: values.get(f.name, "") for f in credential_fields(marketplace)}
            typed[module.AUTH_CODE_FIELD] = "-"  # comes back from the marketplace
            credentials = accounts.clean_credentials(marketplace, typed)
            shop_id = str(values.get("shop_id", "")).strip()
            if not shop_id or len(shop_id) > 80:
                raise Invalid("shop_id", "Hãy nhập mã gian hàng.", "Enter the shop id.")
        except Invalid as exc:
            keep = {
                k: values[k]
                for k in ("shop_id", *(f.name for f in credential_fields(marketplace) if not f.secret))
                if k in values
            }
            return await self._failed(request, viewer, marketplace, exc, keep)
        integrations = settings.section(IntegrationsSettings)
        state = secrets.token_urlsafe(24)
        pending = credentials | {
            "_state": state, "_user": str(viewer.user_id), "_shop_id": shop_id, "_until": str(time.time() + PENDING_S),
        }  # fmt: skip
        base = integrations.marketplace_url(marketplace, settings.public_base_url)
        cookie = Cookie(
            key=COOKIE,
            value=crypto.encrypt(integrations.credentials_key, pending),
            path=COOKIE_PATH,
            max_age=PENDING_S,
            httponly=True,
            samesite="lax",  # sent on the marketplace's top-level redirect back to us
            # As the session cookie: PUBLIC_BASE_URL's scheme, not the request's (a TLS proxy in front
            # forwards plain http).
            secure=settings.https,
        )
        back = f"{settings.public_base_url}{COOKIE_PATH}/{marketplace}/authorized"
        return Redirect(module.authorize_url(base, credentials, state, back), cookies=[cookie])

    @get("/authorized")
    async def back(
        self,
        request: Request,
        viewer: Actor,
        marketplace: str,
        adapters: Adapters,
        settings: Settings,
        code: str = "",
        given_state: Annotated[str, QueryParameter(name="state")] = "",
    ) -> Template | Redirect:
        """The marketplace's redirect: check the state, then connect with the code it gave."""
        await accounts.seller_accounts(viewer)  # Forbidden for anyone who cannot own an account
        integrations = settings.section(IntegrationsSettings)
        pending: dict[str, str] = {}
        try:
            module = _module(marketplace)
            try:
                pending = crypto.decrypt(integrations.credentials_key, request.cookies.get(COOKIE, ""))
            except (InvalidToken, ValueError):
                pending = {}
            fresh = float(pending.get("_until") or 0) > time.time()
            if not (fresh and code and given_state and secrets.compare_digest(given_state, pending.get("_state", ""))
                    and pending.get("_user") == str(viewer.user_id)):  # fmt: skip
                raise Invalid(
                    "credentials",
                    "Phiên ủy quyền đã hết hạn hoặc không hợp lệ. Hãy bấm “Ủy quyền” lại.",
                    "The authorisation expired or does not match. Tap “Authorize” again.",
                )
            credentials = {k: v for k, v in pending.items() if not k.startswith("_")}
            credentials[module.AUTH_CODE_FIELD] = code
            await accounts.connect(
                viewer, marketplace, pending["_shop_id"], credentials, adapters, integrations
            )
        except Invalid as exc:
            kept = {"shop_id": pending["_shop_id"]} if "_shop_id" in pending else {}
            return await self._failed(request, viewer, marketplace, exc, kept)
        done = Redirect(f"/marketplace-accounts?connected={marketplace}")
        done.delete_cookie(COOKIE, path=COOKIE_PATH)
        return done
