"""What a Shopee item needs beyond name, price and stock: a leaf category, every mandatory attribute
of that category, a brand, and images Shopee accepts. Calls follow Shopee Open Platform v2, API
reference > Product module, and the guides "Product creation preparation" and "Creating product"
(API Best Practices), checked against the public copy of those pages in
github.com/lazykern/ecommerce-api-docs (``data/raw/shopee/apis/product/v2.product.<name>.json``,
``data/processed/shopee/guides/api-best-practices``). Every answer is in the usual envelope
``{"error", "message", "warning", "request_id", "response"}``:

- ``GET /api/v2/product/get_category?language=vi`` (v2.product.get_category) — ``response.category_list``
  of ``{"category_id", "parent_category_id", "original_category_name", "display_category_name",
  "has_children"}``. ``add_item`` takes only a leaf (``has_children`` false).
- ``GET /api/v2/product/get_attribute_tree?category_id_list=…&language=vn`` (v2.product.get_attribute_tree,
  which replaced the deprecated v2.product.get_attributes) — ``response.list[]`` of
  ``{"category_id", "attribute_tree": [{"attribute_id", "mandatory", "name", "multi_lang":
  [{"language", "value"}], "attribute_value_list": [{"value_id", "name", "value_unit", "multi_lang"}],
  "attribute_info": {"input_type", "input_validation_type", "format_type", "attribute_unit_list"}}]}``.
  ``input_type``: 1 single drop-down, 2 single combo box, 3 free text, 4 multi drop-down, 5 multi
  combo box; ``format_type`` 2 is a quantity with a unit from ``attribute_unit_list``.
- ``GET /api/v2/product/get_brand_list?category_id=…&status=1&offset=0&page_size=100``
  (v2.product.get_brand_list) — ``response.brand_list`` of ``{"brand_id", "original_brand_name",
  "display_brand_name"}``, ``is_mandatory``, ``has_next_page``, ``next_offset``.
- ``add_item``'s ``attribute_list: [{"attribute_id", "attribute_value_list": [{"value_id",
  "original_value_name", "value_unit"}]}]`` (``value_id`` 0 with the typed text for a free-text
  value) and ``brand: {"brand_id", "original_brand_name"}``: a product without a brand goes as
  Shopee's "No brand", ``brand_id`` 0 and ``original_brand_name`` "NoBrand".
- v2.media_space.upload_image takes JPG, JPEG and PNG only ("Creating product" guide, 1. Image):
  our photos are WebP, so each is re-encoded as JPEG before upload (``to_jpeg``).
- add_item's refusals (its API reference error list): a non-leaf or unknown ``category_id``
  ``error_invalid_category`` "Invalid category ID" (the "Creating product" guide, 2.1: only a
  leaf), a missing mandatory attribute ``error_invalid_attribute`` (or
  ``error_less_required_attribute``) "Mandatory attribute information required", a bad value
  ``error_invalid_attribute_value``, a brand ``error_invalid_brand``.

Note the language codes differ by call as published: get_category and get_brand_list take ``vi``
for Vietnam, get_attribute_tree ``vn``.

Unverified: the CATEGORY ids below. Shopee VN's category tree is only served to a signed shop
call (no public copy of its ids was found); they match our simulator's small tree, and a real
shop's tree is read with get_category at run time, which refuses a mapped id that is not a leaf
before anything is uploaded. upload_image's error list names no image-format error: the
simulator answers the generic ``error_param``. Whether ``multi_lang[].language`` in the attribute
tree reads ``vi`` or ``vn`` is unpublished, so both are read.

The catalogue is the shop's (categories and attributes differ by region and change rarely), so it
is cached per shop in the adapter's memory for ``CATALOG_TTL_S``, timed by the adapter's clock. Not
in a table: a miss costs three GETs, each process (web, workers) warms its own copy in a second,
and nothing in it is ours to keep.

The farmer answers, on the product form, the mandatory attributes we cannot fill ourselves; an
answer is kept with the product under ``"shopee.<attribute_id>"`` (a drop-down's ``value_id``, or
the text typed) and reaches us in ``ListingPayload.attributes``.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from PIL import Image, ImageOps, UnidentifiedImageError

from integrations.adapters.base import Account, ListingPayload, Rejected

CATEGORY_LIST = "/api/v2/product/get_category"
ATTRIBUTE_TREE = "/api/v2/product/get_attribute_tree"
BRAND_LIST = "/api/v2/product/get_brand_list"
LANGUAGE = "vi"  # get_category, get_brand_list: "VN: en / vi"
ATTRIBUTE_LANGUAGE = "vn"  # get_attribute_tree: "VN": ["vn", "en"]
VIETNAMESE = {"vi", "vn"}
CATALOG_TTL_S = 12 * 3600
NO_BRAND = {"brand_id": 0, "original_brand_name": "NoBrand"}
ANSWER_PREFIX = "shopee."
DROP_DOWNS = {1, 2, 4, 5}  # input_type: the value is one of attribute_value_list
QUANTITATIVE = 2  # format_type: a number with a unit
# Our category -> the Shopee VN leaf category it is listed in ("Thực phẩm và đồ uống" subtree).
# Unverified ids (see above): the simulator's tree, not taken from Shopee's.
CATEGORY = {
    "rau_cu": 100781, "trai_cay": 100782, "thuy_san": 100783, "hai_san": 100783,
    "thit_trung": 100784, "lua_gao": 100791, "gia_vi_duoc_lieu": 100792, "che_bien": 100793,
    "mat_ong": 100794, "che_ca_phe": 100801, "khac": 100810,
}  # fmt: skip
# Mandatory attributes we fill from the product itself, by Shopee's (English) attribute name.
OURS = {"Net Weight"}
MAX_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded
JPEG_QUALITY = 88

Fetch = Callable[..., Awaitable[dict]]  # the adapter's signed shop call: (method, path, params=…)


class Question(msgspec.Struct, frozen=True):
    """A mandatory attribute the farmer answers on the product form."""

    key: str  # "shopee.<attribute_id>"
    label_vi: str
    label_en: str
    categories: tuple[str, ...]  # our categories whose leaf needs it
    options: tuple[tuple[str, str], ...] = ()  # (value_id, Vietnamese name); empty: free text
    unit: str = ""  # a quantity's unit, when Shopee asks for one


def _vi(node: dict, fallback: str) -> str:
    for entry in node.get("multi_lang") or []:
        if entry.get("language") in VIETNAMESE and entry.get("value"):
            return str(entry["value"])
    return fallback


def to_jpeg(data: bytes) -> bytes:
    """The stored photo (WebP for our pages) as a JPEG Shopee accepts: EXIF turn applied, no metadata."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise Rejected("Ảnh sản phẩm quá lớn.", "Photo too large.")
            flat = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Rejected("Không đọc được ảnh sản phẩm, hãy thêm lại ảnh.", f"Photo unreadable: {exc}") from exc
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


async def jpeg(data: bytes) -> bytes:
    """``to_jpeg`` off the event loop (a 1600 px photo takes tens of milliseconds)."""
    return await asyncio.to_thread(to_jpeg, data)


class Catalog:
    """The shop's category tree, attribute trees and brand lists, cached per shop until they expire."""

    def __init__(self, clock: Callable[[], float], ttl_s: float = CATALOG_TTL_S) -> None:
        self.clock = clock
        self.ttl_s = ttl_s
        self._kept: dict[tuple[str, str], tuple[float, Any]] = {}

    async def _cached(self, shop_id: str, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        kept = self._kept.get((shop_id, key))
        if kept and kept[0] > self.clock():
            return kept[1]
        value = await load()
        self._kept[(shop_id, key)] = (self.clock() + self.ttl_s, value)
        return value

    async def categories(self, account: Account, fetch: Fetch) -> dict[int, dict]:
        async def load() -> dict[int, dict]:
            # API reference > Product > v2.product.get_category.
            answer = await fetch("GET", CATEGORY_LIST, params={"language": LANGUAGE})
            rows = (answer.get("response") or {}).get("category_list") or []
            return {int(row["category_id"]): row for row in rows}

        return await self._cached(account.shop_id, "categories", load)

    async def attributes(self, account: Account, fetch: Fetch, category_id: int) -> list[dict]:
        async def load() -> list[dict]:
            # API reference > Product > v2.product.get_attribute_tree.
            params = {"category_id_list": str(category_id), "language": ATTRIBUTE_LANGUAGE}
            answer = await fetch("GET", ATTRIBUTE_TREE, params=params)
            for entry in (answer.get("response") or {}).get("list") or []:
                if int(entry.get("category_id") or 0) == category_id:
                    return list(entry.get("attribute_tree") or [])
            return []

        return await self._cached(account.shop_id, f"attributes:{category_id}", load)

    async def brands(self, account: Account, fetch: Fetch, category_id: int) -> dict:
        async def load() -> dict:
            # API reference > Product > v2.product.get_brand_list (status 1: normal brands).
            params = {"category_id": category_id, "status": 1, "offset": 0, "page_size": 100}
            answer = await fetch("GET", BRAND_LIST, params=params)
            return answer.get("response") or {}

        return await self._cached(account.shop_id, f"brands:{category_id}", load)

    async def leaf(self, account: Account, fetch: Fetch, category: str) -> tuple[int, dict]:
        """Our category's Shopee leaf, checked against the shop's own tree."""
        category_id = CATEGORY.get(category, CATEGORY["khac"])
        node = (await self.categories(account, fetch)).get(category_id)
        if node is None or node.get("has_children"):
            # Shopee moved its tree: an operator updates CATEGORY; nothing the farmer can fix.
            raise Rejected(
                f"Shopee không còn nhận loại hàng {category_id} cho sản phẩm này; chúng tôi đang cập nhật "
                "danh mục, hãy thử lại sau.",
                f"Shopee category {category_id} is no longer a leaf category (update shopee_catalog.CATEGORY).",
            )
        return category_id, node

    async def questions(self, account: Account, fetch: Fetch) -> list[Question]:
        """Every mandatory attribute of our categories' leaves that only the farmer can answer."""
        merged: dict[str, Question] = {}
        for category in CATEGORY:
            category_id, _ = await self.leaf(account, fetch, category)
            for attribute in await self.attributes(account, fetch, category_id):
                if not attribute.get("mandatory") or attribute.get("name") in OURS:
                    continue
                question = _question(attribute, category)
                known = merged.get(question.key)
                if known:
                    question = msgspec.structs.replace(known, categories=(*known.categories, category))
                merged[question.key] = question
        return list(merged.values())

    async def item_fields(self, account: Account, fetch: Fetch, payload: ListingPayload) -> dict:
        """``category_id``, ``attribute_list`` and ``brand`` for add_item, or why the farmer must act."""
        category_id, node = await self.leaf(account, fetch, payload.category)
        attributes, missing = [], []
        for attribute in await self.attributes(account, fetch, category_id):
            value = _value(attribute, payload)
            if value is not None:
                attributes.append(
                    {"attribute_id": int(attribute["attribute_id"]), "attribute_value_list": [value]}
                )
            elif attribute.get("mandatory"):
                missing.append(_vi(attribute, str(attribute.get("name") or attribute["attribute_id"])))
        if missing:
            leaf_name = str(node.get("display_category_name") or node.get("original_category_name") or "")
            raise Rejected(
                f"Shopee cần thêm thông tin cho loại «{leaf_name}»: {', '.join(missing)}. "
                "Hãy điền các mục này trong phần «Thông tin sàn cần» của sản phẩm.",
                f"Shopee needs more for «{leaf_name}»: {', '.join(missing)}. "
                "Fill them in on the product's marketplace details.",
            )
        brands = await self.brands(account, fetch, category_id)
        return {"category_id": category_id, "attribute_list": attributes, "brand": _brand(brands)}


def _brand(brands: dict) -> dict:
    """Our products carry no brand: Shopee's documented "No brand" (kept even where a brand is optional)."""
    del brands  # a product brand field would be matched against brand_list[].original_brand_name here
    return dict(NO_BRAND)


def _question(attribute: dict, category: str) -> Question:
    info = attribute.get("attribute_info") or {}
    name = str(attribute.get("name") or attribute["attribute_id"])
    options: tuple[tuple[str, str], ...] = ()
    if info.get("input_type") in DROP_DOWNS:
        options = tuple(
            (str(v["value_id"]), _vi(v, str(v.get("name") or v["value_id"])))
            for v in attribute.get("attribute_value_list") or []
        )
    units = info.get("attribute_unit_list") or []
    return Question(
        key=f"{ANSWER_PREFIX}{attribute['attribute_id']}",
        label_vi=_vi(attribute, name),
        label_en=name,
        categories=(category,),
        options=options,
        unit=str(units[0]) if info.get("format_type") == QUANTITATIVE and units else "",
    )


def _value(attribute: dict, payload: ListingPayload) -> dict | None:
    """One attribute's value from the product (ours) or the farmer's answer; None when neither has it."""
    info = attribute.get("attribute_info") or {}
    units = [str(u) for u in info.get("attribute_unit_list") or []]
    if attribute.get("name") == "Net Weight":
        if payload.weight_kg is None:
            return None
        unit = "g" if "g" in units or not units else units[0]
        amount = payload.weight_kg * 1000 if unit == "g" else payload.weight_kg
        return {"value_id": 0, "original_value_name": f"{amount:g}", "value_unit": unit}
    answer = payload.attributes.get(f"{ANSWER_PREFIX}{attribute['attribute_id']}", "").strip()
    if not answer:
        return None
    if info.get("input_type") in DROP_DOWNS:
        for option in attribute.get("attribute_value_list") or []:
            if str(option.get("value_id")) == answer:
                return {
                    "value_id": int(option["value_id"]),
                    "original_value_name": str(option.get("name") or ""),
                }
        return None  # an answer Shopee no longer offers counts as none
    value = {"value_id": 0, "original_value_name": answer}
    if info.get("format_type") == QUANTITATIVE and units:
        value["value_unit"] = units[0]
    return value
