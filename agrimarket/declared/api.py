"""Declared listings and product suppliers over the JSON API (bearer token)."""

from __future__ import annotations

from litestar import Controller, get, patch, post, put
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED

from agrimarket.accounts.actor import Actor
from agrimarket.declared import service, suppliers
from agrimarket.declared.catalog import MARKETPLACES
from agrimarket.declared.schemas import (
    DeclaredListingCreate,
    DeclaredListingRead,
    DeclaredListingUpdate,
    SupplierRead,
    SuppliersUpdate,
)
from agrimarket.web.auth import provide_actor


class DeclaredListingController(Controller):
    path = "/api/v1/declared-listings"
    tags = ["indicators"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/marketplaces")
    async def marketplaces(self) -> dict[str, list[str]]:
        """The marketplaces a declaration may name (key -> [Vietnamese, English])."""
        # Lists, not tuples: Litestar documents a tuple as an invalid OpenAPI 3.1 schema.
        return {key: list(labels) for key, labels in MARKETPLACES.items()}

    @get("/")
    async def list_declared(self, actor: Actor, household_id: int | None = None) -> list[DeclaredListingRead]:
        return await service.list_declared(actor, household_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, actor: Actor, data: DeclaredListingCreate) -> DeclaredListingRead:
        """Record a listing we do not sync; officers of the household's area or its coop manager."""
        return await service.create(actor, data)

    @get("/{listing_id:int}")
    async def read(self, actor: Actor, listing_id: int) -> DeclaredListingRead:
        return await service.get(actor, listing_id)

    @patch("/{listing_id:int}")
    async def end(self, actor: Actor, listing_id: int, data: DeclaredListingUpdate) -> DeclaredListingRead:
        return await service.set_end(actor, listing_id, data.to_date)


class ProductSupplierController(Controller):
    path = "/api/v1/products/{product_id:int}/suppliers"
    tags = ["products"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def list_suppliers(self, actor: Actor, product_id: int) -> list[SupplierRead]:
        return await suppliers.list_suppliers(actor, product_id)

    @put("/")
    async def replace(self, actor: Actor, product_id: int, data: SuppliersUpdate) -> list[SupplierRead]:
        """Set the member households whose produce is in this cooperative product."""
        return await suppliers.set_suppliers(actor, product_id, data.household_ids)
