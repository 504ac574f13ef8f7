"""Products: create, read, change and remove, always within the actor's scope."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from agrimarket.accounts.actor import Actor
from agrimarket.areas.service import place_name
from agrimarket.audit import service as audit
from agrimarket.db import BatchedReads, fetch_direct, write_transaction
from agrimarket.errors import Conflict, Forbidden, Invalid, NotFound
from agrimarket.events import ProductChanged, publish
from agrimarket.indicators import summary
from agrimarket.media.storage import Storage, delete_quietly
from agrimarket.products.access import new_record_owner, require_writer, visible_products
from agrimarket.products.fields import MAX_STOCK, clean_product
from agrimarket.products.schemas import OwnerRead, PayTo, PhotoRead, ProductRead
from agrimarket.tables import Product, ProductPhoto, ProductSupplier

_COLUMNS = (
    *Product.all_columns(),
    Product.owner_household.head_name.as_alias("household_name"),
    Product.owner_cooperative.name.as_alias("cooperative_name"),
    Product.owner_household._.commune.name.as_alias("household_commune"),
    Product.owner_household._.commune._.province.name.as_alias("household_province"),
    Product.owner_cooperative._.commune.name.as_alias("cooperative_commune"),
    Product.owner_cooperative._.commune._.province.name.as_alias("cooperative_province"),
)


def _origin(row: Mapping[str, Any]) -> str:
    side = "household" if row["owner_household"] else "cooperative"
    return f"{row[f'{side}_commune']}, {row[f'{side}_province']}"


def answers_of(row: Mapping[str, Any]) -> dict[str, str]:
    """The product's answers to the marketplaces' questions (a JSON column reads back as text)."""
    raw = row.get("marketplace_attributes") or {}
    raw = json.loads(raw) if isinstance(raw, str) else raw
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy sản phẩm.", "Product not found.")


def _photo(row: dict, storage: Storage) -> PhotoRead:
    return PhotoRead(
        id=row["id"],
        url=storage.url(row["image_key"]),
        thumb_url=storage.url(row["thumb_key"]),
        width=row["width"],
        height=row["height"],
    )


def _read(row: Mapping[str, Any], photos: list[PhotoRead], public_base_url: str, origin: str) -> ProductRead:
    return ProductRead(
        id=row["id"],
        name=row["name"],
        category=row["category"],
        unit=row["unit"],
        price_vnd=row["price_vnd"],
        stock=row["stock"],
        description=row["description"],
        harvest_season=row["harvest_season"],
        certifications=list(row["certifications"] or []),
        gtin=row["gtin"],
        unit_weight_g=row["unit_weight_g"],
        marketplace_attributes=answers_of(row),
        status=row["status"],
        owner=OwnerRead("household", row["owner_household"], row["household_name"])
        if row["owner_household"]
        else OwnerRead("cooperative", row["owner_cooperative"], row["cooperative_name"]),
        origin=origin,
        created_by_id=row["created_by"],
        photos=photos,
        public_url=f"{public_base_url}/p/{row['id']}",
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _views(rows: list[dict], storage: Storage, public_base_url: str) -> list[ProductRead]:
    ids = [row["id"] for row in rows]
    photos: dict[int, list[PhotoRead]] = {product_id: [] for product_id in ids}
    if ids:
        for photo in (
            await ProductPhoto.select()
            .where(ProductPhoto.product.is_in(ids))
            .order_by(ProductPhoto.position, ProductPhoto.id)
        ):
            photos[photo["product"]].append(_photo(photo, storage))
    return [_read(row, photos[row["id"]], public_base_url, _origin(row)) for row in rows]


async def list_products(
    actor: Actor, storage: Storage, base_url: str, owner_household_id: int | None = None
) -> list[ProductRead]:
    query = Product.select(*_COLUMNS).where(visible_products(actor)).where(Product.status != "archived")
    if owner_household_id is not None:
        query = query.where(Product.owner_household == owner_household_id)
    return await _views(await query.order_by(Product.updated_at, ascending=False), storage, base_url)


async def live_products_of(owner: dict[str, int], storage: Storage, base_url: str) -> list[ProductRead]:
    """Active products of one owner ({"owner_household": id} or {"owner_cooperative": id}), as anyone sees them."""
    ((column, owner_id),) = owner.items()
    query = (
        Product.select(*_COLUMNS)
        .where(getattr(Product, column) == owner_id)
        .where(Product.status == "active")
    )
    return await _views(await query.order_by(Product.id), storage, base_url)


async def get_product(actor: Actor, product_id: int, storage: Storage, base_url: str) -> ProductRead:
    row = (
        await Product.select(*_COLUMNS).where(visible_products(actor)).where(Product.id == product_id).first()
    )
    if row is None:
        raise _not_found()
    return (await _views([row], storage, base_url))[0]


# The public page's product with its owner and commune, the owner's bank account for the
# VietQR code, its photos and its marketplace listings ("where to buy"), in one statement: the
# product's row first, then a row per photo and one per listing, each carrying only its own
# columns (NULL in the others). The product's wide columns came on every photo and listing row
# before: PostgreSQL sent and the app decoded and keyed 8 wide rows a page instead of 1.
# Written out because Piccolo took longer to build these joins than PostgreSQL took to run them,
# and one round trip because the page is read more than any other.
# The commune's and province's names come from agrimarket.areas (two joins fewer a page).
_OWNER_COLUMNS = """h.head_name AS household_name, co.name AS cooperative_name,
    COALESCE(h.commune, co.commune) AS owner_commune,
    COALESCE(bh.bank_bin, bc.bank_bin) AS pay_bank_bin,
    COALESCE(bh.account_number, bc.account_number) AS pay_account_number,
    COALESCE(bh.account_name, bc.account_name) AS pay_account_name"""
# Each part's columns: name -> (its value, the NULL the other parts put there). PostgreSQL matches a
# UNION's column types part by part, so a NULL above a part's integer must say it is one.
_NO_INTEGER = "CAST(NULL AS INTEGER)"
_PHOTO_COLUMNS = {
    "photo_position": ("ph.position", _NO_INTEGER),
    "photo_id": ("ph.id", _NO_INTEGER),
    "image_key": ("ph.image_key", "NULL"),
    "thumb_key": ("ph.thumb_key", "NULL"),
    "width": ("ph.width", _NO_INTEGER),
    "height": ("ph.height", _NO_INTEGER),
}
_LISTING_COLUMNS = {
    "listing_id": ("l.id", _NO_INTEGER),
    "listing_state": ("l.state", "NULL"),
    "listing_external_url": ("l.external_url", "NULL"),
    "listing_reason_vi": ("l.reason_vi", "NULL"),
    "listing_reason_en": ("l.reason_en", "NULL"),
    "listing_version": ("l.version", _NO_INTEGER),
    "listing_synced_version": ("l.synced_version", _NO_INTEGER),
    "listing_share_percent": ("l.share_percent", _NO_INTEGER),
    "listing_reserve_units": ("l.reserve_units", _NO_INTEGER),
    "listing_code": ("m.code", "NULL"),
    "listing_mname": ("m.name", "NULL"),
}
_PRODUCT_NULLS = ", ".join(["NULL"] * (len(Product._meta.columns) + _OWNER_COLUMNS.count(" AS ")))


def _part(mine: dict[str, tuple[str, str]]) -> str:
    """The photo and listing columns of one part: its own values, the others' NULLs."""
    columns = _PHOTO_COLUMNS | _LISTING_COLUMNS
    return ", ".join(
        f"{mine[name][0] if name in mine else null} AS {name}" for name, (_, null) in columns.items()
    )


_PUBLIC_SQL = f"""
WITH p AS (
  SELECT p.*, {_OWNER_COLUMNS}
  FROM product p
  LEFT JOIN household h ON h.id = p.owner_household
  LEFT JOIN cooperative co ON co.id = p.owner_cooperative
  LEFT JOIN bank_account bh ON bh.owner_household = p.owner_household
  LEFT JOIN bank_account bc ON bc.owner_cooperative = p.owner_cooperative
  WHERE p.id IN ({{ids}}) AND p.status = 'active'
)
SELECT p.id AS page_product, 0 AS part, p.*, {_part({})} FROM p
UNION ALL
SELECT p.id, 1, {_PRODUCT_NULLS}, {_part(_PHOTO_COLUMNS)}
FROM p JOIN product_photo ph ON ph.product = p.id
UNION ALL
SELECT p.id, 2, {_PRODUCT_NULLS}, {_part(_LISTING_COLUMNS)}
FROM p JOIN listing l ON l.product = p.id
LEFT JOIN marketplace m ON m.id = l.marketplace
ORDER BY page_product, part, photo_position, photo_id, listing_id
"""  # noqa: S608 - built from the constant column lists above, no input
PAGES_READ_TOGETHER = 32  # public products looked up in one query at most


@lru_cache(maxsize=PAGES_READ_TOGETHER)
def _public_sql(count: int) -> str:
    return _PUBLIC_SQL.format(ids=", ".join(["{}"] * count))


async def _read_public_rows(product_ids: list[int]) -> list[list[Mapping[str, Any]] | None]:
    """Each public product's rows (see ``public_rows``), in order; None for one not active."""
    pages: dict[int, list[Mapping[str, Any]]] = {}
    for row in await fetch_direct(Product, _public_sql(len(product_ids)), *product_ids):
        pages.setdefault(row["page_product"], []).append(row)
    return [pages.get(product_id) for product_id in product_ids]


# The public page is read more than any other: pages asked for at the same moment, one query.
PUBLIC_READS = BatchedReads(_read_public_rows, size=PAGES_READ_TOGETHER)


async def public_product(
    product_id: int, storage: Storage, base_url: str
) -> tuple[ProductRead, PayTo | None]:
    """The active product as anyone sees it, and the account a VietQR transfer pays (if any)."""
    return public_view(await public_rows(product_id), storage, base_url)


async def public_rows(product_id: int) -> Sequence[Mapping[str, Any]]:
    """The rows of the public product (its own, then one per photo, then one per listing); everything
    its public page shows is in them (the listings' columns are named ``listing_…``)."""
    rows = await PUBLIC_READS.read(product_id)
    if rows is None:
        raise _not_found()
    return rows


def public_view(
    rows: Sequence[Mapping[str, Any]], storage: Storage, base_url: str
) -> tuple[ProductRead, PayTo | None]:
    """``public_rows`` as the product and the account a VietQR transfer pays (if any)."""
    photos = [_photo({**row, "id": row["photo_id"]}, storage) for row in rows if row["photo_id"] is not None]
    first = rows[0]
    pay_to = None
    if first["pay_bank_bin"]:
        pay_to = PayTo(first["pay_bank_bin"], first["pay_account_number"], first["pay_account_name"])
    origin = place_name(first["owner_commune"]) if first["owner_commune"] else None
    return _read(first, photos, base_url, origin or ""), pay_to


async def ensure_writable(actor: Actor, product_id: int) -> None:
    """404 outside the actor's scope; 403 for a reader (officer) inside it."""
    if not await Product.exists().where(visible_products(actor)).where(Product.id == product_id):
        raise _not_found()
    require_writer(actor)


async def _owner(actor: Actor, owner_household_id: int | None) -> dict[str, Any]:
    return await new_record_owner(
        actor,
        owner_household_id,
        not_own=Forbidden(
            "Bạn chỉ đăng được sản phẩm của hộ mình.", "You can only list your own household's products."
        ),
        choose_owner=Invalid(
            "owner_household_id",
            "Hãy chọn hộ sở hữu sản phẩm.",
            "Choose the household that owns the product.",
        ),
    )


async def create_product(actor: Actor, values: dict[str, Any], owner_household_id: int | None = None) -> int:
    owner = await _owner(actor, owner_household_id)
    fields = clean_product(values)
    now = datetime.now(UTC)
    product = Product(**fields, **owner, created_by=actor.user_id, created_at=now, updated_at=now)
    await product.save()
    await audit.record(actor, "product", product.id, "create", fields)
    return product.id


async def create_and_read(
    actor: Actor, values: dict[str, Any], owner_household_id: int | None, storage: Storage, base_url: str
) -> ProductRead:
    """Create a product and read it back in one transaction.

    If the answer cannot be built (the database went away), nothing was saved: a client told
    "try again" makes no duplicate by trying again.
    """
    async with write_transaction():
        product_id = await create_product(actor, values, owner_household_id)
        return await get_product(actor, product_id, storage, base_url)


async def update_product(actor: Actor, product_id: int, changes: dict[str, Any]) -> None:
    await ensure_writable(actor, product_id)
    fields = clean_product(changes, partial=True)
    if fields:
        async with write_transaction():  # the product write and what its subscribers queue (listing jobs)
            before = await Product.select(*[getattr(Product, name) for name in fields]).where(
                Product.id == product_id
            )
            # Piccolo types update()'s values as an invariant dict[Column | str, Any]: str keys are valid.
            await Product.update({**fields, Product.updated_at: datetime.now(UTC)}).where(  # type: ignore[dict-item]
                Product.id == product_id
            )
            if changes := audit.diff(before[0] if before else {}, fields):
                await audit.record(actor, "product", product_id, "update", changes)
            await publish(ProductChanged(product_id=product_id))


async def adjust_stock(actor: Actor, product_id: int, delta: int) -> None:
    """One tap: add or remove stock atomically, so two quick taps both count."""
    await ensure_writable(actor, product_id)
    query = Product.update({Product.stock: Product.stock + delta, Product.updated_at: datetime.now(UTC)})
    query = query.where(Product.id == product_id)
    if delta < 0:
        query = query.where(Product.stock >= -delta)
    elif delta > MAX_STOCK:
        raise Invalid("stock", "Số lượng quá lớn.", "Stock too large.")
    async with write_transaction():  # the stock change and what its subscribers queue
        changed = await query.returning(Product.stock)
        if changed:
            stock = changed[0]["stock"]
            await audit.record(
                actor, "product", product_id, "stock", {"stock": {"from": stock - delta, "to": stock}}
            )
            await publish(ProductChanged(product_id=product_id))
    if not changed:
        raise Conflict("Đã hết hàng, không thể bớt thêm.", "Stock is already at zero.")


async def delete_product(actor: Actor, product_id: int, storage: Storage) -> None:
    await ensure_writable(actor, product_id)
    keys = await ProductPhoto.select(ProductPhoto.image_key, ProductPhoto.thumb_key).where(
        ProductPhoto.product == product_id
    )
    async with write_transaction():  # subscribers act (delist) while the product is still there
        await publish(ProductChanged(product_id=product_id, deleted=True))
        gone = await Product.select(Product.name, Product.price_vnd, Product.stock).where(
            Product.id == product_id
        )
        await audit.record(actor, "product", product_id, "delete", gone[0] if gone else {})
        suppliers = await ProductSupplier.select(ProductSupplier.household).where(
            ProductSupplier.product == product_id
        )
        await Product.delete().where(Product.id == product_id)
        # Its listings lose the product, so its suppliers no longer count through them, past days too.
        await summary.refresh(row["household"] for row in suppliers)
    # Files go after the rows: a failed delete leaves an orphan file, never a row without its file.
    await delete_quietly(storage, [key for row in keys for key in (row["image_key"], row["thumb_key"])])
