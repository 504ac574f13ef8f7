"""Shopee's shipping channels in the simulator (``v2.logistics.get_channel_list``) and the ``weight``
and ``logistic_info`` rules ``add_item`` applies, as Shopee documents them.

A shop has Vietnam's usual channels, most turned on; a shop id listed in the config's
``shops_without_shipping`` has turned every channel off in Seller Centre.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar import Request, Response, get

from integrations.adapters import shopee as contract

# (logistics_channel_id, name, turned on by the seller)
CHANNELS = (
    (50021, "SPX Express", True),
    (50011, "Giao Hàng Nhanh", True),
    (50010, "Viettel Post", True),
    (50012, "Giao Hàng Tiết Kiệm", True),
    (50018, "J&T Express", False),
)


def channels_of(shop_id: str, shops_without_shipping: set[str]) -> list[dict]:
    """The shop's channels in Shopee's shape (the fields the adapter reads, and a few it ignores)."""
    all_off = shop_id in shops_without_shipping
    return [
        {
            "logistics_channel_id": channel_id,
            "logistics_channel_name": name,
            "enabled": on and not all_off,
            "cod_enabled": True,
            "fee_type": "SIZE_INPUT",
            "mask_channel_id": 0,
            "force_enable": False,
        }
        for channel_id, name, on in CHANNELS
    ]


def weight_problem(weight: object) -> str | None:
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
        return "weight is required: the item's weight in kg, greater than 0."
    return None


def shipping_problem(body: dict, shop_id: str, shops_without_shipping: set[str]) -> str | None:
    """Why ``add_item`` refuses the body's weight or logistic_info (None when both are right)."""
    problem = weight_problem(body.get("weight"))
    if problem:
        return problem
    info = body.get("logistic_info")
    if not isinstance(info, list) or not info or not all(isinstance(entry, dict) for entry in info):
        return "logistic_info is required: at least one enabled logistics channel."
    usable = {c["logistics_channel_id"] for c in channels_of(shop_id, shops_without_shipping) if c["enabled"]}
    chosen = [entry.get("logistic_id") for entry in info if entry.get("enabled") is True]
    for channel_id in chosen:
        if channel_id not in usable:
            return f"Logistics channel {channel_id} is not enabled for this shop."
    return None if chosen else "logistic_info must enable at least one logistics channel."


def logistics_routes(
    state, authenticate: Callable[[Request], Response | None], answer: Callable[..., Response]
) -> list:
    """``get_channel_list``, checked by the simulator's own ``authenticate``, answered in its envelope."""

    @get(contract.CHANNEL_LIST)
    async def channel_list(request: Request) -> Response:
        denied = authenticate(request)
        if denied:
            return denied
        shop_id = request.query_params.get("shop_id", "")
        return answer(
            response={"logistics_channel_list": channels_of(shop_id, state.config.shops_without_shipping)}
        )

    return [channel_list]
