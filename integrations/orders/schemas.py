"""Orders over the JSON API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class OrderItemRead(msgspec.Struct):
    product_id: int | None
    product_name: str
    quantity: int
    price_vnd: int


class StatusRead(msgspec.Struct):
    status: str
    at: datetime
    source: str  # webhook | pull


class OrderRead(msgspec.Struct):
    id: int
    marketplace: str
    order_ref: str
    placed_at: datetime
    status: str  # placed | shipped | delivered | cancelled | returned
    amount_vnd: int
    items: list[OrderItemRead]
    history: list[StatusRead]


class MonthRead(msgspec.Struct):
    month: str  # YYYY-MM, Vietnam time
    orders: int  # orders placed that month, cancelled ones excluded
    revenue_vnd: int  # their value, returned orders excluded too


class OrdersRead(msgspec.Struct):
    orders: list[OrderRead]
    months: list[MonthRead]
