"""Products over the JSON API (bearer token)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from agrimarket.accounts.actor import Actor
from agrimarket.errors import Invalid
from agrimarket.media.images import MAX_UPLOAD_BYTES
from agrimarket.media.storage import Storage
from agrimarket.products import photos, service
from agrimarket.products.catalog import CATEGORIES, CERTIFICATIONS, STATUSES, UNIT_GRAMS, UNITS
from agrimarket.products.schemas import ProductCreate, ProductRead, ProductUpdate
from agrimarket.settings import Settings
from agrimarket.web.auth import provide_actor
from agrimarket.web.idempotency import IdempotencyMiddleware
from agrimarket.web.uploads import multipart_only

# One photo per request, plus room for the multipart envelope.
PHOTO_REQUEST_LIMIT = MAX_UPLOAD_BYTES + 64 * 1024


class ProductController(Controller):
    path = "/api/v1/products"
    tags = ["products"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def list_products(
        self, actor: Actor, storage: Storage, settings: Settings, owner_household_id: int | None = None
    ) -> list[ProductRead]:
        """The products the caller may see: their own, their members', or their area's."""
        return await service.list_products(actor, storage, settings.public_base_url, owner_household_id)

    @post("/", status_code=HTTP_201_CREATED, middleware=[IdempotencyMiddleware])
    async def create(
        self, actor: Actor, data: ProductCreate, storage: Storage, settings: Settings
    ) -> ProductRead:
        values = msgspec.structs.asdict(data)
        owner = values.pop("owner_household_id")
        return await service.create_and_read(actor, values, owner, storage, settings.public_base_url)

    @get("/{product_id:int}")
    async def read(self, actor: Actor, product_id: int, storage: Storage, settings: Settings) -> ProductRead:
        return await service.get_product(actor, product_id, storage, settings.public_base_url)

    @patch("/{product_id:int}", middleware=[IdempotencyMiddleware])
    async def update(
        self, actor: Actor, product_id: int, data: ProductUpdate, storage: Storage, settings: Settings
    ) -> ProductRead:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        await service.update_product(actor, product_id, changes)
        return await service.get_product(actor, product_id, storage, settings.public_base_url)

    @delete("/{product_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, actor: Actor, product_id: int, storage: Storage) -> None:
        await service.delete_product(actor, product_id, storage)

    @post(
        "/{product_id:int}/photos",
        status_code=HTTP_201_CREATED,
        request_max_body_size=PHOTO_REQUEST_LIMIT,
        guards=[multipart_only],
        middleware=[IdempotencyMiddleware],
    )
    async def add_photo(
        self,
        actor: Actor,
        product_id: int,
        storage: Storage,
        settings: Settings,
        data: Annotated[dict[str, UploadFile], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ProductRead:
        """Upload one photo as multipart field ``photo``; it is re-encoded (EXIF and GPS removed)."""
        upload = data.get("photo")
        if not isinstance(upload, UploadFile):
            raise Invalid("photo", "Hãy chọn một ảnh (trường 'photo').", "Attach one image as field 'photo'.")
        return await photos.add_photos(
            actor, product_id, [await upload.read()], storage, settings.public_base_url
        )

    @delete("/{product_id:int}/photos/{photo_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove_photo(self, actor: Actor, product_id: int, photo_id: int, storage: Storage) -> None:
        await photos.delete_photo(actor, product_id, photo_id, storage)


# Labels as [Vietnamese, English] lists: Litestar documents a tuple as an invalid OpenAPI 3.1 schema.
Labels = dict[str, list[str]]


class CatalogOut(msgspec.Struct):
    categories: Labels
    units: Labels
    certifications: Labels
    statuses: Labels
    # Grams in one unit of the mass units; a product in any other unit gives unit_weight_g itself.
    unit_grams: dict[str, int]


@get("/api/v1/catalog", tags=["products"])
async def catalog() -> CatalogOut:
    """The fixed lists (key -> [Vietnamese label, English label])."""
    return CatalogOut(
        categories=_labels(CATEGORIES),
        units=_labels(UNITS),
        certifications=_labels(CERTIFICATIONS),
        statuses=_labels(STATUSES),
        unit_grams=dict(UNIT_GRAMS),
    )


def _labels(pairs: dict[str, tuple[str, str]]) -> Labels:
    return {key: list(pair) for key, pair in pairs.items()}
