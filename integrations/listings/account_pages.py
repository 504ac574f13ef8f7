"""Web pages where a household or a cooperative manager connects its marketplace seller accounts."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Redirect, Template

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.forms import form_error, form_values
from integrations.adapters.base import Authorizes
from integrations.adapters.registry import Adapters, authorize_field, credential_fields
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

    @get("/{marketplace:str}/authorize")
    async def authorize(
        self, viewer: Actor, marketplace: str, client_id: str, adapters: Adapters, settings: Settings
    ) -> Redirect:
        """To the marketplace's consent page (Lazada's seller authorization), which sends the seller
        back to ``authorized`` with a one-time code. Only the non-secret client id travels."""
        field = authorize_field(marketplace)
        adapter = adapters.get(marketplace) if field else None
        if not isinstance(adapter, Authorizes) or not client_id.strip() or len(client_id) > 200:
            raise Invalid(field or "marketplace", "Hãy nhập mã ứng dụng trước.", "Enter the app key first.")
        back = f"{settings.public_base_url}/marketplace-accounts/{marketplace}/authorized"
        return Redirect(adapter.authorize_url(client_id.strip(), back, client_id.strip()))

    @get("/{marketplace:str}/authorized")
    async def authorized(
        self,
        viewer: Actor,
        marketplace: str,
        code: str = "",
        client_id: Annotated[str, Parameter(query="state")] = "",  # OAuth's state: the app key we sent
        seller_id: str = "",
    ) -> Template:
        """Back from the consent page: the form shows the code (and app key) filled in; the seller
        adds the secret and connects as usual, so no secret is ever kept between the two visits."""
        field = authorize_field(marketplace)
        values = (
            {"code": code[:500]}
            | ({field: client_id[:200]} if field else {})
            | ({"shop_id": seller_id[:80]} if seller_id else {})
        )
        context = {"viewer": viewer, "marketplaces": await accounts.overview(viewer), "connected": None}
        return Template(TEMPLATE, context=context | {"values": values, "failed": marketplace})

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
