"""Shopee's catalogue in the simulator: the category tree (v2.product.get_category), attribute trees
(v2.product.get_attribute_tree), brand lists (v2.product.get_brand_list), and the rules add_item
and v2.media_space.upload_image apply to them, answered in Shopee's envelope with its ``error_param``.

A small "Thực phẩm và đồ uống" subtree of Shopee VN. Every food leaf needs its country of origin;
dry and processed goods also their shelf life and net weight (a quantity in g or kg). The brand is
mandatory everywhere; "No brand" (brand_id 0, "NoBrand") is always allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get

from integrations.adapters import shopee_catalog as contract

ROOT = 100629
# category_id -> (parent, Vietnamese name, English name)
CATEGORIES = {
    ROOT: (0, "Thực phẩm và đồ uống", "Food & Beverages"),
    100780: (ROOT, "Thực phẩm tươi sống", "Fresh Food"),
    100781: (100780, "Rau củ", "Vegetables"),
    100782: (100780, "Trái cây", "Fruits"),
    100783: (100780, "Thủy hải sản", "Seafood"),
    100784: (100780, "Thịt và trứng", "Meat & Eggs"),
    100790: (ROOT, "Thực phẩm khô", "Dry Food"),
    100791: (100790, "Gạo và ngũ cốc", "Rice & Grains"),
    100792: (100790, "Gia vị", "Spices"),
    100793: (100790, "Đặc sản", "Local Specialities"),
    100794: (100790, "Mật ong", "Honey"),
    100800: (ROOT, "Đồ uống", "Beverages"),
    100801: (100800, "Trà và cà phê", "Tea & Coffee"),
    100810: (ROOT, "Thực phẩm khác", "Other Food"),
}
ORIGIN, SHELF_LIFE, NET_WEIGHT, STORAGE = 100010, 100020, 100030, 100040
VIETNAM = 1001


def _lang(vi: str) -> list[dict]:
    return [{"language": "vi", "value": vi}]


def _values(*values: tuple[int, str, str]) -> list[dict]:
    return [{"value_id": i, "name": en, "value_unit": "", "multi_lang": _lang(vi)} for i, vi, en in values]


ATTRIBUTES: dict[int, dict[str, Any]] = {
    ORIGIN: {
        "name": "Country of Origin", "multi_lang": _lang("Xuất xứ"),
        "attribute_info": {"input_type": 1, "input_validation_type": 0, "format_type": 1},
        "attribute_value_list": _values(
            (VIETNAM, "Việt Nam", "Vietnam"), (1002, "Thái Lan", "Thailand"), (1003, "Trung Quốc", "China"),
            (1099, "Khác", "Others"),
        ),
    },
    SHELF_LIFE: {
        "name": "Shelf Life", "multi_lang": _lang("Hạn sử dụng"),
        "attribute_info": {"input_type": 1, "input_validation_type": 0, "format_type": 1},
        "attribute_value_list": _values(
            (2001, "7 ngày", "7 Days"), (2002, "1 tháng", "1 Month"), (2003, "3 tháng", "3 Months"),
            (2004, "6 tháng", "6 Months"), (2005, "12 tháng", "12 Months"), (2006, "24 tháng", "24 Months"),
        ),
    },
    NET_WEIGHT: {
        "name": "Net Weight", "multi_lang": _lang("Khối lượng tịnh"),
        "attribute_info": {
            "input_type": 3, "input_validation_type": 3, "format_type": 2, "attribute_unit_list": ["g", "kg"],
        },
        "attribute_value_list": [],
    },
    STORAGE: {
        "name": "Storage Condition", "multi_lang": _lang("Cách bảo quản"),
        "attribute_info": {"input_type": 3, "input_validation_type": 2, "format_type": 1},
        "attribute_value_list": [],
    },
}  # fmt: skip
FRESH = (100781, 100782, 100783, 100784, 100810)
# leaf -> its mandatory attributes (STORAGE is offered everywhere, never mandatory)
MANDATORY = {leaf: (ORIGIN,) for leaf in FRESH} | {
    leaf: (ORIGIN, SHELF_LIFE, NET_WEIGHT) for leaf in (100791, 100792, 100793, 100794, 100801)
}
BRANDS = [{"brand_id": 3001, "original_brand_name": "Vinamilk", "display_brand_name": "Vinamilk"}]


def has_children(category_id: int) -> bool:
    return any(parent == category_id for parent, _, _ in CATEGORIES.values())


def attribute_tree(category_id: int) -> list[dict]:
    mandatory = MANDATORY.get(category_id, ())
    used = (*mandatory, STORAGE) if category_id in MANDATORY else ()
    return [{"attribute_id": i, "mandatory": i in mandatory} | ATTRIBUTES[i] for i in dict.fromkeys(used)]


# (error, message) as add_item's error list in the API reference names them.
Problem = tuple[str, str]


def image_problem(data: bytes) -> str | None:
    """Why upload_image refuses the bytes: Shopee takes JPG, JPEG and PNG only ("Creating
    product" guide). Unverified: upload_image's published error list names no format error, so
    the refusal is the generic ``error_param`` "Wrong parameters, detail: …"."""
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    return "Wrong parameters, detail: invalid image format, only JPG, JPEG and PNG are supported."


def _value_problem(attribute_id: int, values: object) -> str | None:
    spec = ATTRIBUTES[attribute_id]
    if not isinstance(values, list) or not values or not isinstance(values[0], dict):
        return f"attribute_value_list of attribute {attribute_id} is empty."
    value, info = values[0], spec["attribute_info"]
    if info["input_type"] == 1:
        allowed = {v["value_id"] for v in spec["attribute_value_list"]}
        return None if value.get("value_id") in allowed else f"Invalid value_id for attribute {attribute_id}."
    text = str(value.get("original_value_name") or "").strip()
    if not text:
        return f"original_value_name of attribute {attribute_id} is empty."
    if info["format_type"] == 2:
        try:
            float(text)
        except ValueError:
            return f"Attribute {attribute_id} needs a number."
        if value.get("value_unit") not in info["attribute_unit_list"]:
            return f"Invalid value_unit for attribute {attribute_id}."
    return None


def attributes_problem(category_id: object, attribute_list: object) -> Problem | None:
    """Why an ``attribute_list`` does not fit the leaf: a mandatory attribute missing
    (``error_invalid_attribute`` "Mandatory attribute information required") or a bad value
    (``error_invalid_attribute_value`` "Invalid attribute value.")."""
    given = {}
    for entry in attribute_list if isinstance(attribute_list, list) else []:
        if isinstance(entry, dict) and entry.get("attribute_id") in ATTRIBUTES:
            given[entry["attribute_id"]] = entry.get("attribute_value_list")
    for attribute_id in MANDATORY.get(category_id, ()) if isinstance(category_id, int) else ():
        if attribute_id not in given:
            name = ATTRIBUTES[attribute_id]["name"]
            return (
                "error_invalid_attribute",
                f"Mandatory attribute information required: {attribute_id} ({name}).",
            )
    for attribute_id, values in given.items():
        problem = _value_problem(attribute_id, values)
        if problem:
            return "error_invalid_attribute_value", f"Invalid attribute value. {problem}"
    return None


def item_problem(body: dict) -> Problem | None:
    """Why add_item refuses the body's category, attributes or brand (None when all are right):
    a non-leaf or unknown category is ``error_invalid_category`` "Invalid category ID" ("Creating
    product" guide 2.1: only a leaf is accepted), a brand ``error_invalid_brand``."""
    category_id = body.get("category_id")
    if category_id not in CATEGORIES:
        return "error_invalid_category", f"Invalid category ID {category_id}."
    if has_children(category_id):
        return "error_invalid_category", f"Invalid category ID {category_id}: not a leaf category."
    problem = attributes_problem(category_id, body.get("attribute_list"))
    if problem:
        return problem
    brand = body.get("brand")
    if not isinstance(brand, dict) or "brand_id" not in brand:
        return "error_invalid_brand", "Brand information required."
    if brand["brand_id"] == 0:
        ok = brand.get("original_brand_name") == "NoBrand"
        return None if ok else ("error_invalid_brand", "Invalid brand: brand_id 0 is NoBrand.")
    known = any(b["brand_id"] == brand["brand_id"] for b in BRANDS)
    return None if known else ("error_invalid_brand", "Invalid brand")


def catalog_routes(
    state, authenticate: Callable[[Request], Response | None], answer: Callable[..., Response]
) -> list:
    """The three calls, the answered ones counted in ``state.catalog_calls`` by path (tests see the
    adapter's cache through it)."""

    def checked(request: Request, path: str) -> Response | None:
        denied = authenticate(request)
        if denied is None:
            # Answered calls only: a refused token is renewed and the call made again.
            state.catalog_calls[path] += 1
        return denied

    @get(contract.CATEGORY_LIST)
    async def category_list(request: Request) -> Response:
        denied = checked(request, contract.CATEGORY_LIST)
        vi = request.query_params.get("language", "en") == "vi"
        rows = [
            {
                "category_id": category_id,
                "parent_category_id": parent,
                "original_category_name": en,
                "display_category_name": vi_name if vi else en,
                "has_children": has_children(category_id),
            }
            for category_id, (parent, vi_name, en) in CATEGORIES.items()
        ]
        return denied or answer(response={"category_list": rows})

    @get(contract.ATTRIBUTE_TREE)
    async def attribute_trees(request: Request) -> Response:
        denied = checked(request, contract.ATTRIBUTE_TREE)
        if denied:
            return denied
        raw = request.query_params.get("category_id_list", "")
        ids = [int(part) for part in raw.split(",") if part.strip().isdigit()]
        if not ids or any(i not in CATEGORIES for i in ids):
            return answer("error_param", "Invalid category_id_list.", 400)
        if request.query_params.get("language", "en") not in ("vn", "en"):  # VN's, as published
            return answer("error_param", "Wrong parameters, detail: invalid language.", 400)
        rows = [{"category_id": i, "attribute_tree": attribute_tree(i), "warning": ""} for i in ids]
        return answer(response={"list": rows})

    @get(contract.BRAND_LIST)
    async def brand_list(request: Request) -> Response:
        denied = checked(request, contract.BRAND_LIST)
        if denied:
            return denied
        category_id = request.query_params.get("category_id", "")
        if not category_id.isdigit() or int(category_id) not in CATEGORIES:
            return answer("error_param", "Invalid category_id.", 400)
        response = {
            "brand_list": BRANDS,
            "has_next_page": False,
            "next_offset": 0,
            "is_mandatory": True,
            "input_type": "DROP_DOWN",
        }
        return answer(response=response)

    return [category_list, attribute_trees, brand_list]
