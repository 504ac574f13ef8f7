"""Product photos: re-encode, store both sizes, record.

Photos are decoded before anything is written, and files written for a record that then fails
are removed (see ``orphans``), so a bad upload or an outage never leaves half a product behind.
"""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread

from agrimarket.accounts.actor import Actor
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, NotFound
from agrimarket.events import ProductChanged, publish
from agrimarket.media.images import ProcessedImage, process_photo
from agrimarket.media.storage import Storage, delete_quietly
from agrimarket.products.orphans import files_undone_on_error
from agrimarket.products.schemas import ProductRead
from agrimarket.products.service import create_product, ensure_writable, get_product
from agrimarket.tables import ProductPhoto

MAX_PHOTOS = 8


def _too_many() -> Conflict:
    return Conflict(
        f"Mỗi sản phẩm có tối đa {MAX_PHOTOS} ảnh. Hãy xoá bớt ảnh cũ.",
        f"A product has at most {MAX_PHOTOS} photos. Remove one first.",
    )


async def _process(uploads: list[bytes]) -> list[ProcessedImage]:
    return [await anyio.to_thread.run_sync(process_photo, data) for data in uploads]


async def _write(
    product_id: int, images: list[ProcessedImage], first_position: int, storage: Storage, written: list[str]
) -> list[int]:
    ids = []
    for offset, image in enumerate(images):
        stem = f"products/{product_id}/{uuid.uuid4().hex}"
        keys = (f"{stem}.webp", f"{stem}-400.webp")
        for key, payload in zip(keys, (image.image, image.thumbnail), strict=True):
            await storage.put(key, payload, image.content_type)
            written.append(key)
        photo = ProductPhoto(
            product=product_id,
            position=first_position + offset,
            image_key=keys[0],
            thumb_key=keys[1],
            width=image.width,
            height=image.height,
        )
        await photo.save()
        ids.append(photo.id)
    return ids


async def create_with_photos(
    actor: Actor,
    values: dict[str, Any],
    uploads: list[bytes],
    storage: Storage,
    owner_household_id: int | None = None,
) -> int:
    """A product and its photos in one step (the phone form), all or nothing."""
    if len(uploads) > MAX_PHOTOS:
        raise _too_many()
    images = await _process(uploads)
    async with files_undone_on_error(storage) as written, write_transaction():
        product_id = await create_product(actor, values, owner_household_id)
        await _write(product_id, images, 0, storage, written)
    return product_id


async def add_photos(
    actor: Actor, product_id: int, uploads: list[bytes], storage: Storage, base_url: str
) -> ProductRead:
    """Store the photos and answer with the product, all or nothing (files included)."""
    await ensure_writable(actor, product_id)
    count = await ProductPhoto.count().where(ProductPhoto.product == product_id)
    if count + len(uploads) > MAX_PHOTOS:
        raise _too_many()
    images = await _process(uploads)
    # The photos, their listing jobs and the answer: a client told "failed" finds no photo saved.
    async with files_undone_on_error(storage) as written, write_transaction():
        ids = await _write(product_id, images, count, storage, written)
        await audit.record(actor, "product", product_id, "photos_added", {"photo_ids": ids})
        await publish(ProductChanged(product_id=product_id, photos_changed=True))
        return await get_product(actor, product_id, storage, base_url)


async def delete_photo(actor: Actor, product_id: int, photo_id: int, storage: Storage) -> None:
    await ensure_writable(actor, product_id)
    row = (
        await ProductPhoto.select(ProductPhoto.image_key, ProductPhoto.thumb_key)
        .where((ProductPhoto.id == photo_id) & (ProductPhoto.product == product_id))
        .first()
    )
    if row is None:
        raise NotFound("Không tìm thấy ảnh.", "Photo not found.")
    async with write_transaction():
        await ProductPhoto.delete().where(ProductPhoto.id == photo_id)
        await audit.record(actor, "product", product_id, "photo_deleted", {"photo_id": photo_id})
        await publish(ProductChanged(product_id=product_id, photos_changed=True))
    await delete_quietly(storage, [row["image_key"], row["thumb_key"]])
