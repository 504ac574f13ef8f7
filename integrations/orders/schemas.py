"""Orders over the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

# The inbox's tabs (integrations.orders.inbox.TABS), in the order they are shown.
Tab = Literal["to_handle", "to_pickup", "shipping", "delivered", "closed"]
Payment = Literal["cod", "prepaid"]
Urgency = Literal["", "at_risk", "overdue"]
# A waybill label's paper (integrations.adapters.desk.LABEL_SIZES): A6, or an 80 mm thermal roll.
LabelSize = Literal["a6", "80mm"]


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


class InboxOrderRead(msgspec.Struct):
    """One card of the order desk: what the farmer needs to ship it, and by when."""

    id: int
    marketplace: str
    marketplace_code: str
    order_ref: str
    placed_at: datetime
    status: str  # placed | shipped | delivered | cancelled | returned
    amount_vnd: Annotated[int, msgspec.Meta(ge=0)]
    payment: Payment | None  # None: the marketplace did not say
    commune: str  # the delivery commune; "" when not given
    items: list[OrderItemRead]
    act_by: datetime | None  # the marketplace's deadline to act; None when it gave none
    deadline_vi: str  # "Cần gửi hàng trước 17:00 thứ Năm 05/12" (Vietnam time); "" without one
    urgency: Urgency  # at_risk: under 4 hours left; overdue: past the deadline
    stage: str = ""  # where it stands on the desk (adapters.desk.DESK_STAGES)
    sending: bool = False  # one of the farmer's actions on it is being sent ("đang gửi…")


class TabRead(msgspec.Struct):
    key: Tab
    label_vi: str
    count: Annotated[int, msgspec.Meta(ge=0)]


class InboxRead(msgspec.Struct):
    tab: Tab
    tabs: list[TabRead]
    orders: list[InboxOrderRead]
