"""What the simulators' write endpoints share: faults played and idempotent replay, validation,
and creating or changing an item.

Each simulator module (postmart, voso, shopee) adds its own authentication and wire format on
top, following the contract written in the matching adapter module. The store is in
``state``, demo credentials in ``credentials``, errors and dropped answers in ``responses``, the
storefront and buyer routes in ``public``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response

from integrations.simulators.responses import DROP_HEADER, error
from integrations.simulators.state import Item, SimState


async def play_write(state: SimState, key: str | None, apply) -> Response:
    """Faults, idempotency replay, then ``apply()`` -> (status, body); stores the first answer per key."""
    fault = await state.fault()
    if fault == "error":
        return error(503, "unavailable", "Hệ thống bận.", "Service unavailable.")
    if fault == "throttle":
        retry = state.config.faults.retry_after_s
        return error(429, "throttled", "Quá nhiều yêu cầu.", "Slow down.", retry_after=retry)
    if fault == "timeout":
        # A slow marketplace still applies what it received when the caller hangs up (or is killed)
        # mid-wait: the late apply runs in a task of its own that a dropped connection cannot cancel.
        state.hung.append(key)
        late = asyncio.ensure_future(_apply_late(state, key, apply))
        _late_applies.add(late)
        late.add_done_callback(_late_applies.discard)
        status, body = await asyncio.shield(late)
    else:
        status, body = _apply_once(state, key, apply)
    headers = {DROP_HEADER: "1"} if fault == "drop" else None
    return Response(body, status_code=status, headers=headers)


_late_applies: set[asyncio.Future] = set()


def held_writes() -> int:
    """Writes a timeout fault still holds (in any simulator of this process), to land later."""
    return len(_late_applies)


async def _apply_late(state: SimState, key: str | None, apply) -> tuple[int, Any]:
    await asyncio.sleep(state.config.faults.hang_s)
    return _apply_once(state, key, apply)


def _apply_once(state: SimState, key: str | None, apply) -> tuple[int, Any]:
    if key and key in state.answers:
        return state.answers[key]
    status, body = apply()
    state.save()
    if key:
        state.answers[key] = (status, body)
    return status, body


def validate(fields: dict[str, Any], name_max: int, desc_max: int, images_max: int) -> tuple[str, str] | None:
    """Shared validation rules; the Vietnamese reason is what the farmer will read."""
    if not fields["name"].strip():
        return "Thiếu tên sản phẩm.", "Product name is missing."
    if len(fields["name"]) > name_max:
        return f"Tên sản phẩm dài quá {name_max} ký tự.", f"Name longer than {name_max} characters."
    if len(fields["description"]) > desc_max:
        return f"Mô tả dài quá {desc_max} ký tự.", f"Description longer than {desc_max} characters."
    if not isinstance(fields["price"], int) or fields["price"] < 1000:
        return "Giá bán phải từ 1.000 đồng trở lên.", "Price must be at least 1,000 VND."
    if not isinstance(fields["stock"], int) or fields["stock"] < 0:
        return "Số lượng tồn kho không hợp lệ.", "Invalid stock quantity."
    images = fields["images"]
    if not images:
        return "Sản phẩm cần ít nhất một ảnh.", "At least one photo is required."
    if len(images) > images_max or not all(str(u).startswith(("http://", "https://")) for u in images):
        return "Ảnh sản phẩm phải là đường dẫn đầy đủ (http/https).", "Photos must be absolute http(s) URLs."
    return None


def upsert(state: SimState, shop_id: str, sku: str, fields: dict, version: int, item_id: str | None):
    """Create by sku or change an item; an older version is acknowledged without applying."""
    if item_id is None:
        item_id = state.by_sku.get((shop_id, sku))
    if item_id is None:
        item = Item(state.next_id(), shop_id, sku, fields, version, "live", created=state.now())
        state.items[item.id] = item
        state.by_sku[(shop_id, sku)] = item.id
        state.writes_applied += 1
        state.applied_at[sku] = state.now()
        return item
    item = state.items[item_id]
    if version >= item.version and not item.moderated:
        item.fields, item.version = fields, version
        item.status, item.reason = "live", ""
        state.writes_applied += 1
        state.applied_at[sku or item.sku] = state.now()
    return item
