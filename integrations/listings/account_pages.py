"""Web pages where a household or a cooperative manager connects its marketplace seller accounts."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values
from integrations.adapters.registry import Adapters, credential_fields
from integrations.listings import accounts
from integrations.settings import IntegrationsSettings

TEMPLATE = "integrations/accounts.html"


def _typed_back(code: str, values: dict) -> dict:
    """What the re-rendered form may show again: the shop id and non-secret fields, never a secret."""
    keep = {"shop_id"} | {f.name for f in credential_fields(code) if not f.secret}
    return {key: values[key] for key in keep if key in values}


class MarketplaceAccountPages(Controller):
    path = "/marketplace-accounts"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_actor)}

    @get("/")
    async def overview(self, viewer: Actor, connected: str | None = None) -> Template:
        context = {"viewer": viewer, "marketplaces": await accounts.overview(viewer), "connected": connected}
        return Template(TEMPLATE, context=context | {"values": {}, "failed": None})

    @post("/{marketplace:str}")
    async def connect(
        self, request: Request, viewer: Actor, marketplace: str, adapters: Adapters, settings: Settings
    ) -> Template | Redirect:
        values = form_values(await request.form())
        credentials = {f.name: values.get(f.name, "") for f in credential_fields(marketplace)}
        try:
            await accounts.connect(
                viewer,
                marketplace,
                values.get("shop_id", ""),
                credentials,
                adapters,
                settings.section(IntegrationsSettings),
            )
        except Invalid as exc:
            context = {
                "viewer": viewer,
                "marketplaces": await accounts.overview(viewer),
                "connected": None,
                "values": _typed_back(marketplace, values),
                "failed": marketplace,
            }
            return form_error(request, TEMPLATE, exc, context)
        return Redirect(f"/marketplace-accounts?connected={marketplace}")
